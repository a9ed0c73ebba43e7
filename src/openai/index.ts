export { AttemptClock, DEFAULT_TIMEOUTS, NEVER_ABORTED, type Timeouts } from './attempt-clock.js';
export { CompletionAccumulator } from './completion-accumulator.js';
export { createDispatcher, type ProxySettings, proxyFor } from './create-dispatcher.js';
export {
  type ErrorResponseInput,
  errorFromResponse,
  errorFromStreamFrame,
  parseErrorEnvelope,
} from './error-from-response.js';
export { estimateUsage } from './estimate-usage.js';
export {
  type BackoffOptions,
  backoffDelay,
  parseGoDuration,
  type RetryDelaySource,
  serverRetryDelay,
  serverRetryDelayMs,
} from './retry-delay.js';
export { isRetryable } from './retry-policy.js';
export { scrubSecrets } from './scrub-secrets.js';
export {
  type ChatStreamEvent,
  decodeSse,
  interpretChatEvent,
  SseDecoder,
  type SseEvent,
} from './sse-decoder.js';
export {
  type FetchLike,
  type LoggerLike,
  Upstream,
  type UpstreamCallOptions,
  type UpstreamMeta,
  type UpstreamOptions,
} from './upstream.js';
export {
  AbortedError,
  AuthenticationError,
  type AuthenticationReason,
  BadRequestError,
  ConnectionError,
  ContextLengthError,
  type ErrorText,
  HttpStatusError,
  ModelNotFoundError,
  NotFoundError,
  PermissionDeniedError,
  parseContextNumbers,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  StreamInterruptedError,
  TimeoutError,
  type TimeoutPhase,
  UpstreamError,
  type UpstreamErrorInit,
} from './upstream-errors.js';
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatMessage,
  ChatRequest,
  ChunkChoice,
  CompletionChoice,
  ContentPart,
  ErrorBody,
  FinishReason,
  FunctionTool,
  ModelObject,
  Role,
  TextPart,
  ToolCall,
  ToolCallDelta,
  ToolChoice,
  Usage,
} from './wire-types.js';
