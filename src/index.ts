// The public API of steadychat: named exports only.
export { SteadyChatError, UsageError } from './errors/index.js';
