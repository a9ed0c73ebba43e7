import type { ChatMessage, ChatRequest } from '../openai/wire-types.js';
import type { ModelTable, ResolvedModel, TokenCounter } from '../tokens/index.js';
import { BAD_JSON_MESSAGE, type EmulatedError, invalidRequest, modelNotFound } from './openai-errors.js';

/** Top-level fields of `CreateChatCompletionRequest`; anything else is "unrecognized" in strict mode. */
const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'temperature',
  'top_p',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'stream',
  'stream_options',
  'stop',
  'user',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'logprobs',
  'top_logprobs',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'service_tier',
  'reasoning_effort',
  'verbosity',
  'modalities',
  'audio',
  'prediction',
  'store',
  'metadata',
  'web_search_options',
  'prompt_cache_key',
  'prompt_cache_retention',
  'safety_identifier',
  'functions',
  'function_call',
]);

const ROLES = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ValidationContext {
  models: ModelTable;
  counter: TokenCounter;
  strictFields: boolean;
  acceptUnknownModels: boolean;
}

export interface ValidRequest {
  request: ChatRequest;
  model: ResolvedModel;
  promptTokens: number;
}

/**
 * Checks a parsed body in OpenAI's order (required → empty arrays → types and ranges → roles →
 * model → model-specific → tool ordering → context length) and answers with OpenAI's exact texts.
 */
export function validateChatRequest(body: unknown, context: ValidationContext): ValidRequest | EmulatedError {
  if (!isRecord(body)) return invalidRequest(BAD_JSON_MESSAGE);
  if (context.strictFields) {
    for (const key of Object.keys(body)) {
      if (!KNOWN_FIELDS.has(key)) return invalidRequest(`Unrecognized request argument supplied: ${key}`);
    }
  }
  if (body.model === undefined || body.model === null) return missing('model');
  if (typeof body.model !== 'string') return invalidType('model', 'a string', body.model);
  if (body.messages === undefined || body.messages === null) return missing('messages');
  if (!Array.isArray(body.messages)) return invalidType('messages', 'an array', body.messages);
  if (body.messages.length === 0) return emptyArray('messages');
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) return invalidType('tools', 'an array', body.tools);
    if (body.tools.length === 0) return emptyArray('tools');
  }

  const ranged =
    decimal(body, 'temperature', 0, 2) ??
    decimal(body, 'top_p', 0, 1) ??
    decimal(body, 'frequency_penalty', -2, 2) ??
    decimal(body, 'presence_penalty', -2, 2) ??
    integer(body, 'n', 1, 128) ??
    integer(body, 'top_logprobs', 0, 20) ??
    integer(body, 'max_tokens', 1, Number.MAX_SAFE_INTEGER) ??
    integer(body, 'max_completion_tokens', 1, Number.MAX_SAFE_INTEGER) ??
    boolean(body, 'stream') ??
    boolean(body, 'logprobs') ??
    boolean(body, 'parallel_tool_calls') ??
    stop(body.stop);
  if (ranged) return ranged;
  if (isRecord(body.stream_options) && body.stream !== true) {
    return invalidRequest(
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
      'invalid_value',
    );
  }

  const messages = body.messages as unknown[];
  for (let i = 0; i < messages.length; i++) {
    const problem = checkMessage(messages[i], i);
    if (problem) return problem;
  }

  const toolProblem = checkTools(body);
  if (toolProblem) return toolProblem;

  const model = context.models.resolve(body.model);
  const servable = model.match === 'alias' || model.match === 'snapshot' || model.match === 'dated';
  if (!servable && !context.acceptUnknownModels) return modelNotFound(body.model);

  if (model.reasoning && body.max_tokens !== undefined && body.max_tokens !== null) {
    return invalidRequest(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'max_tokens',
      'unsupported_parameter',
    );
  }
  if (
    !model.reasoning &&
    model.known &&
    body.reasoning_effort !== undefined &&
    body.reasoning_effort !== null
  ) {
    return invalidRequest('Unrecognized request argument supplied: reasoning_effort');
  }
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const value = body[field];
    if (typeof value === 'number' && value > model.maxOutputTokens) {
      return invalidRequest(
        `${field} is too large: ${value}. This model supports at most ${model.maxOutputTokens} completion tokens, whereas you provided ${value}.`,
        field,
        'invalid_value',
      );
    }
  }

  const ordering = checkToolOrdering(messages as ChatMessage[]);
  if (ordering) return ordering;

  const request = body as unknown as ChatRequest;
  const promptTokens = context.counter.countChatTokens({
    model,
    messages: request.messages,
    tools: request.tools ?? null,
  });
  const completion = request.max_completion_tokens ?? request.max_tokens;
  if (typeof completion === 'number' && promptTokens + completion > model.contextWindow) {
    return invalidRequest(
      `This model's maximum context length is ${model.contextWindow} tokens. However, you requested ${promptTokens + completion} tokens (${promptTokens} in the messages, ${completion} in the completion). Please reduce the length of the messages or completion.`,
      'messages',
      'context_length_exceeded',
    );
  }
  if (promptTokens > model.contextWindow) {
    return invalidRequest(
      `This model's maximum context length is ${model.contextWindow} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
      'messages',
      'context_length_exceeded',
    );
  }
  return { request, model, promptTokens };
}

function checkMessage(message: unknown, i: number): EmulatedError | undefined {
  const path = `messages[${i}]`;
  if (!isRecord(message)) return invalidType(path, 'an object', message);
  if (message.role === undefined || message.role === null) return missing(`${path}.role`);
  if (typeof message.role !== 'string' || !ROLES.includes(message.role)) {
    return invalidRequest(
      `Invalid value: '${String(message.role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
      `${path}.role`,
      'invalid_value',
    );
  }
  const content = message.content;
  const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
  if (content === undefined || content === null) {
    const optional = message.role === 'assistant' && (hasToolCalls || isRecord(message.function_call));
    if (!optional) return missing(`${path}.content`);
  } else if (typeof content !== 'string' && !Array.isArray(content)) {
    return invalidType(`${path}.content`, 'one of a string or array of objects', content);
  }
  if (message.name !== undefined && typeof message.name !== 'string') {
    return invalidType(`${path}.name`, 'a string', message.name);
  }
  if (message.role === 'tool' && typeof message.tool_call_id !== 'string') {
    return message.tool_call_id === undefined || message.tool_call_id === null
      ? missing(`${path}.tool_call_id`)
      : invalidType(`${path}.tool_call_id`, 'a string', message.tool_call_id);
  }
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls))
      return invalidType(`${path}.tool_calls`, 'an array', message.tool_calls);
    if (message.tool_calls.length === 0) return emptyArray(`${path}.tool_calls`);
  }
  return undefined;
}

function checkTools(body: Record<string, unknown>): EmulatedError | undefined {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const names = new Set<string>();
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i];
    if (!isRecord(tool)) return invalidType(`tools[${i}]`, 'an object', tool);
    if (tool.type !== 'function') continue;
    const fn = tool.function;
    if (!isRecord(fn)) return missing(`tools[${i}].function`);
    if (typeof fn.name !== 'string') return missing(`tools[${i}].function.name`);
    if (!TOOL_NAME.test(fn.name)) {
      return invalidRequest(
        `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
        `tools[${i}].function.name`,
        'invalid_value',
      );
    }
    names.add(fn.name);
  }
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return undefined;
  if (tools.length === 0) {
    return invalidRequest(
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
  }
  if (typeof choice === 'string') {
    if (!['none', 'auto', 'required'].includes(choice)) {
      return invalidRequest(
        `Invalid value: '${choice}'. Supported values are: 'none', 'auto', and 'required'.`,
        'tool_choice',
        'invalid_value',
      );
    }
    return undefined;
  }
  if (isRecord(choice) && choice.type === 'function') {
    const name = isRecord(choice.function) ? choice.function.name : undefined;
    if (typeof name !== 'string') return missing('tool_choice.function.name');
    if (!names.has(name)) {
      return invalidRequest(
        `Invalid value for 'tool_choice': function '${name}' was not found in 'tools'.`,
        'tool_choice',
        'invalid_value',
      );
    }
  }
  return undefined;
}

/** (a) every assistant `tool_calls` id answered by the following tool messages; (b) no orphan tool message. */
function checkToolOrdering(messages: ChatMessage[]): EmulatedError | undefined {
  let open: Set<string> | undefined;
  let answered = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'tool') {
      if (!open) {
        return invalidRequest(
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${i}].role`,
        );
      }
      const id = message.tool_call_id ?? '';
      if (!open.has(id)) {
        return invalidRequest(
          `Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`,
          `messages.[${i}].tool_call_id`,
        );
      }
      answered.add(id);
      continue;
    }
    const unanswered = open ? unansweredIds(open, answered) : [];
    if (unanswered.length > 0) return unansweredError(unanswered, `messages.[${i}].role`);
    open = undefined;
    if (message.role === 'assistant' && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      open = new Set(message.tool_calls.map((call) => call?.id ?? ''));
      answered = new Set();
    }
  }
  const unanswered = open ? unansweredIds(open, answered) : [];
  if (unanswered.length > 0) return unansweredError(unanswered, 'messages');
  return undefined;
}

function unansweredIds(open: Set<string>, answered: Set<string>): string[] {
  return [...open].filter((id) => !answered.has(id));
}

function unansweredError(ids: string[], param: string): EmulatedError {
  return invalidRequest(
    `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${ids.join(', ')}`,
    param,
  );
}

function stop(value: unknown): EmulatedError | undefined {
  if (value === undefined || value === null || typeof value === 'string') return undefined;
  if (!Array.isArray(value)) return invalidType('stop', 'one of a string or array of strings', value);
  if (value.length > 4) {
    return invalidRequest(
      `Invalid 'stop': array too long. Expected an array with maximum length 4, but got an array with length ${value.length} instead.`,
      'stop',
      'array_above_max_length',
    );
  }
  return undefined;
}

/** A number field within [min, max]; `decimal` and `integer` differ only in the check and the wording. */
function numberInRange(
  kind: 'decimal' | 'integer',
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): EmulatedError | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  const valid =
    typeof value === 'number' && (kind === 'integer' ? Number.isInteger(value) : Number.isFinite(value));
  if (!valid) return invalidType(field, kind === 'integer' ? 'an integer' : 'a decimal', value);
  if (value > max)
    return outOfRange(field, kind, 'above maximum', `<= ${max}`, value, `${kind}_above_max_value`);
  if (value < min)
    return outOfRange(field, kind, 'below minimum', `>= ${min}`, value, `${kind}_below_min_value`);
  return undefined;
}

const decimal = (body: Record<string, unknown>, field: string, min: number, max: number) =>
  numberInRange('decimal', body, field, min, max);
const integer = (body: Record<string, unknown>, field: string, min: number, max: number) =>
  numberInRange('integer', body, field, min, max);

function boolean(body: Record<string, unknown>, field: string): EmulatedError | undefined {
  const value = body[field];
  if (value === undefined || value === null || typeof value === 'boolean') return undefined;
  return invalidType(field, 'a boolean', value);
}

function outOfRange(
  field: string,
  kind: string,
  side: string,
  expected: string,
  value: number,
  code: string,
): EmulatedError {
  return invalidRequest(
    `Invalid '${field}': ${kind} ${side} value. Expected a value ${expected}, but got ${value} instead.`,
    field,
    code,
  );
}

function missing(param: string): EmulatedError {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

function emptyArray(param: string): EmulatedError {
  return invalidRequest(
    `Invalid '${param}': empty array. Expected an array with minimum length 1, but got an empty array instead.`,
    param,
    'empty_array',
  );
}

function invalidType(param: string, expected: string, value: unknown): EmulatedError {
  return invalidRequest(
    `Invalid type for '${param}': expected ${expected}, but got ${typeName(value)} instead.`,
    param,
    'invalid_type',
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
