export type { CallContext, ChatCall, ChatResponse, Next, ResponseMeta, Stage } from './stage.js';
export { compose } from './stage.js';
