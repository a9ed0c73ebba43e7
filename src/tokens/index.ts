export type { EncodingName, ModelInfo, ModelMatch, ResolvedModel } from './model-info.js';
export { BUILTIN_MODELS, FALLBACK_MODEL } from './model-info.js';
export { defaultModelTable, getModelInfo, ModelTable, registerModels } from './model-table.js';
export { ModelConfigError, modelsFromConfig } from './models-from-config.js';
export { splitLongRuns } from './split-long-runs.js';
export type {
  ChatTokenInput,
  ModelRef,
  TokenCounter,
  TokenCounterOptions,
  ToolDefinition,
} from './token-counter.js';
export {
  countChatTokens,
  countMessageTokens,
  countTextTokens,
  countToolsTokens,
  createTokenCounter,
  DEFAULT_MAX_RUN_CHARS,
  REPLY_PRIMER_TOKENS,
  rawTokenCount,
  truncateTextTokens,
} from './token-counter.js';
