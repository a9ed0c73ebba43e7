export { SteadyChatError, UsageError } from './steadychat-error.js';
