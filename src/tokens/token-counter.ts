import { createHash } from 'node:crypto';
import {
  clearMergeCache as clearCl100kCache,
  decode as decodeCl100k,
  encode as encodeCl100k,
} from 'gpt-tokenizer/encoding/cl100k_base';
import {
  clearMergeCache as clearO200kCache,
  decode as decodeO200k,
  encode as encodeO200k,
} from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage, FunctionTool } from '../openai/wire-types.js';
import { LruCache } from './lru-cache.js';
import type { EncodingName, ModelInfo } from './model-info.js';
import { defaultModelTable, type ModelTable } from './model-table.js';
import { splitLongRuns } from './split-long-runs.js';

/** A model given by name (resolved through the model table) or by its facts. */
export type ModelRef = string | ModelInfo;

/** A tool definition as sent in `tools`; only function tools carry a schema. */
export type ToolDefinition = FunctionTool | { type: string; [key: string]: unknown };

/** The input of {@link TokenCounter.countChatTokens}. */
export interface ChatTokenInput {
  model: ModelRef;
  messages: readonly ChatMessage[];
  tools?: readonly ToolDefinition[] | null | undefined;
}

/** Counts tokens the way OpenAI bills a Chat Completions prompt. */
export interface TokenCounter {
  /** Tokens of a plain string in the model's encoding (special-token text counts as plain text). */
  countTextTokens(text: string, model: ModelRef): number;
  /** 3 per message + the tokens of every string value (role, content, name, …) + 1 if it has a `name`. */
  countMessageTokens(message: ChatMessage, model: ModelRef): number;
  /** Tool definitions, by OpenAI's published tool rule (0 for no tools). */
  countToolsTokens(tools: readonly ToolDefinition[] | null | undefined, model: ModelRef): number;
  /**
   * The longest prefix of `text` that is at most `maxTokens` tokens (a token cut inside a multi-byte
   * character is dropped). Returns `text` itself when it already fits.
   */
  truncateTextTokens(text: string, maxTokens: number, model: ModelRef): string;
  /** The whole prompt: messages + tools + 3 for the reply primer; what `usage.prompt_tokens` reports. */
  countChatTokens(input: ChatTokenInput): number;
}

/** Options of {@link createTokenCounter}. */
export interface TokenCounterOptions {
  /**
   * Longest run of non-whitespace (or of whitespace) handed to the BPE encoder in one piece; longer
   * runs are cut, which bounds the work on adversarial input and may over-count by about one token
   * per cut (see docs/tokens.md).
   * @default 256
   */
  maxRunChars?: number;
  /**
   * Messages whose counts are remembered (least recently used evicted first).
   * @default 10000
   */
  cacheSize?: number;
  /** Model table used to resolve names. @default the process-wide table ({@link getModelInfo}) */
  models?: ModelTable;
  /** The raw encoder: returns the token count of one text segment. @default gpt-tokenizer */
  encodeCount?: (text: string, encoding: EncodingName) => number;
}

/** Default bound on one encoder piece, in UTF-16 code units. */
export const DEFAULT_MAX_RUN_CHARS = 256;

const PLAIN_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** Longest text handed to the encoder in one call (cut where the cut cannot change the count). */
const MAX_SEGMENT_CHARS = 16_384;
/**
 * gpt-tokenizer keeps a 100,000-entry merge cache and evicts from the front of a Map once full; on
 * input made of unique pieces (random base64) every eviction then scans a growing run of deleted
 * slots and the cost turns superlinear (1 MiB: 14 s instead of 1 s). Clearing the cache before it
 * can fill (at most one entry per character encoded) keeps it useful for repeated text and linear
 * for the rest.
 */
const CLEAR_CACHE_AFTER_CHARS = 65_536;
const encodedSinceClear: Record<EncodingName, number> = { o200k_base: 0, cl100k_base: 0 };

function encodeTokens(text: string, encoding: EncodingName): number[] {
  encodedSinceClear[encoding] += text.length;
  if (encodedSinceClear[encoding] > CLEAR_CACHE_AFTER_CHARS) {
    (encoding === 'cl100k_base' ? clearCl100kCache : clearO200kCache)();
    encodedSinceClear[encoding] = text.length;
  }
  return (encoding === 'cl100k_base' ? encodeCl100k : encodeO200k)(text, PLAIN_TEXT);
}

/** gpt-tokenizer's encoder, with special-token text treated as ordinary text (as the API does). */
export function rawTokenCount(text: string, encoding: EncodingName): number {
  return encodeTokens(text, encoding).length;
}

/** The published per-model constants of the chat and tool rules. */
interface RuleConstants {
  perMessage: number;
  perName: number;
  funcInit: number;
}

const TOOL_PROP_INIT = 3;
const TOOL_PROP_KEY = 3;
const TOOL_ENUM_INIT = -3;
const TOOL_ENUM_ITEM = 3;
const TOOL_FUNC_END = 12;
/** Every request: `<|start|>assistant<|message|>`. */
export const REPLY_PRIMER_TOKENS = 3;

/** Creates a counter with its own cache and options. */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const maxRunChars = Math.max(16, Math.floor(options.maxRunChars ?? DEFAULT_MAX_RUN_CHARS));
  const cache = new LruCache<string, number>(options.cacheSize ?? 10_000);
  const table = options.models ?? defaultModelTable();
  const encodeCount = options.encodeCount ?? rawTokenCount;

  const resolve = (model: ModelRef): { encoding: EncodingName; rules: RuleConstants } => {
    const name = typeof model === 'string' ? model : model.id;
    const encoding = typeof model === 'string' ? table.resolve(model).encoding : model.encoding;
    const legacy = name === 'gpt-3.5-turbo-0301';
    return {
      encoding,
      rules: {
        perMessage: legacy ? 4 : 3,
        perName: legacy ? -1 : 1,
        funcInit: encoding === 'cl100k_base' ? 10 : 7,
      },
    };
  };

  const countText = (text: string, encoding: EncodingName): number => {
    if (text.length === 0) return 0;
    let total = 0;
    for (const segment of splitLongRuns(text, maxRunChars, MAX_SEGMENT_CHARS))
      total += encodeCount(segment, encoding);
    return total;
  };

  const countMessage = (message: ChatMessage, encoding: EncodingName, rules: RuleConstants): number => {
    const json = JSON.stringify(message);
    const key = `${encoding}:${rules.perMessage}:${json.length < 200 ? json : createHash('sha1').update(json).digest('base64')}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    let total = rules.perMessage;
    for (const [field, value] of Object.entries(message)) {
      if (typeof value === 'string') {
        total += countText(value, encoding);
        if (field === 'name') total += rules.perName;
      } else if (field === 'content' && Array.isArray(value)) {
        for (const part of value as unknown[]) total += countText(partText(part), encoding);
      } else if (field === 'tool_calls' && Array.isArray(value)) {
        for (const call of value as unknown[]) {
          const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
          total += countText(str(fn.name), encoding) + countText(str(fn.arguments), encoding);
        }
      }
    }
    cache.set(key, total);
    return total;
  };

  const countTools = (
    tools: readonly ToolDefinition[] | null | undefined,
    encoding: EncodingName,
    rules: RuleConstants,
  ): number => {
    if (!tools || tools.length === 0) return 0;
    let total = 0;
    for (const tool of tools) {
      const record = tool as Record<string, unknown>;
      const fn = isRecord(record.function)
        ? record.function
        : isRecord(record.custom)
          ? record.custom
          : record;
      total += rules.funcInit;
      total += countText(`${str(fn.name)}:${stripPeriod(str(fn.description))}`, encoding);
      const parameters = isRecord(fn.parameters) ? fn.parameters : {};
      const properties = isRecord(parameters.properties) ? parameters.properties : {};
      const keys = Object.keys(properties);
      if (keys.length === 0) continue;
      total += TOOL_PROP_INIT;
      for (const key of keys) {
        const property = isRecord(properties[key]) ? properties[key] : {};
        total += TOOL_PROP_KEY;
        if (Array.isArray(property.enum)) {
          total += TOOL_ENUM_INIT;
          for (const item of property.enum as unknown[]) {
            total += TOOL_ENUM_ITEM + countText(String(item), encoding);
          }
        }
        const type = typeof property.type === 'string' ? property.type : JSON.stringify(property.type ?? '');
        total += countText(`${key}:${type}:${stripPeriod(str(property.description))}`, encoding);
      }
    }
    return total + TOOL_FUNC_END;
  };

  const truncate = (text: string, maxTokens: number, encoding: EncodingName): string => {
    if (maxTokens <= 0) return '';
    let kept = '';
    let budget = maxTokens;
    for (const segment of splitLongRuns(text, maxRunChars, MAX_SEGMENT_CHARS)) {
      const tokens = encodeTokens(segment, encoding);
      if (tokens.length <= budget) {
        kept += segment;
        budget -= tokens.length;
        continue;
      }
      const decoded = (encoding === 'cl100k_base' ? decodeCl100k : decodeO200k)(tokens.slice(0, budget));
      return kept + decoded.replace(/\uFFFD+$/, '');
    }
    return kept;
  };

  return {
    countTextTokens: (text, model) => countText(text, resolve(model).encoding),
    truncateTextTokens: (text, maxTokens, model) => truncate(text, maxTokens, resolve(model).encoding),
    countMessageTokens: (message, model) => {
      const { encoding, rules } = resolve(model);
      return countMessage(message, encoding, rules);
    },
    countToolsTokens: (tools, model) => {
      const { encoding, rules } = resolve(model);
      return countTools(tools, encoding, rules);
    },
    countChatTokens: ({ model, messages, tools }) => {
      const { encoding, rules } = resolve(model);
      let total = REPLY_PRIMER_TOKENS + countTools(tools, encoding, rules);
      for (const message of messages) total += countMessage(message, encoding, rules);
      return total;
    },
  };
}

function partText(part: unknown): string {
  if (!isRecord(part)) return '';
  if (part.type === 'text') return str(part.text);
  if (part.type === 'refusal') return str(part.refusal);
  return '';
}

function stripPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const defaultCounter = createTokenCounter();

/** Tokens of a plain string in the model's encoding. See {@link TokenCounter.countTextTokens}. */
export function countTextTokens(text: string, model: ModelRef): number {
  return defaultCounter.countTextTokens(text, model);
}

/** Tokens one message adds to a prompt. See {@link TokenCounter.countMessageTokens}. */
export function countMessageTokens(message: ChatMessage, model: ModelRef): number {
  return defaultCounter.countMessageTokens(message, model);
}

/** Tokens tool definitions add to a prompt. See {@link TokenCounter.countToolsTokens}. */
export function countToolsTokens(
  tools: readonly ToolDefinition[] | null | undefined,
  model: ModelRef,
): number {
  return defaultCounter.countToolsTokens(tools, model);
}

/** The longest prefix of `text` within `maxTokens`. See {@link TokenCounter.truncateTextTokens}. */
export function truncateTextTokens(text: string, maxTokens: number, model: ModelRef): string {
  return defaultCounter.truncateTextTokens(text, maxTokens, model);
}

/** The prompt tokens OpenAI reports for this request. See {@link TokenCounter.countChatTokens}. */
export function countChatTokens(input: ChatTokenInput): number {
  return defaultCounter.countChatTokens(input);
}
