export { ATTEMPT_OPTION, type AttemptEvent, createRetryStage, type RetryOptions } from './retry-stage.js';
export type { CallContext, ChatCall, ChatResponse, Next, ResponseMeta, Stage } from './stage.js';
export { afterAnswer, compose } from './stage.js';
