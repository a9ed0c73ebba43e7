import type { ChatMessage, ChatRequest, FinishReason } from '../openai/wire-types.js';
import type { ResolvedModel, TokenCounter } from '../tokens/index.js';
import { createPrng, hashString } from './prng.js';
import { sampleFromSchema } from './schema-sample.js';

/** How the emulator makes up an answer: seeded words, the last user message, or a refusal. */
export type ReplyMode = 'lorem' | 'echo' | 'refusal';

/** The text of a `refusal` reply. */
export const REFUSAL_TEXT = "I'm sorry, but I can't help with that request.";

/** One generated tool call with its argument fragments (as they are streamed). */
export interface GeneratedToolCall {
  id: string;
  name: string;
  arguments: string;
  fragments: string[];
}

/** One generated choice. */
export interface GeneratedChoice {
  /** Text fragments, one per streamed content (or refusal) delta; empty for tool calls. */
  fragments: string[];
  content: string | null;
  /** Set (and `content` null) when the model refuses. */
  refusal: string | null;
  toolCalls: GeneratedToolCall[];
  finishReason: FinishReason;
  completionTokens: number;
}

export interface ReplyInput {
  request: ChatRequest;
  model: ResolvedModel;
  counter: TokenCounter;
  mode: ReplyMode;
  /** Length of a lorem reply, in tokens. */
  replyTokens: number;
  seed: number;
  choiceIndex: number;
  /** Names of tools to call regardless of `tool_choice` (from `x-emulator-tool-call`). */
  forcedToolNames: readonly string[];
  newToolCallId: () => string;
}

// Lower-case English words that are one token each (with their leading space) in both
// o200k_base and cl100k_base, so a lorem reply of N pieces is exactly N tokens.
export const LOREM_WORDS: readonly string[] = [
  ' the',
  ' model',
  ' answer',
  ' is',
  ' ready',
  ' and',
  ' we',
  ' can',
  ' help',
  ' with',
  ' that',
  ' request',
  ' today',
  ' data',
  ' time',
  ' people',
  ' world',
  ' work',
  ' system',
  ' new',
  ' good',
  ' first',
  ' last',
  ' long',
  ' great',
  ' little',
  ' own',
  ' other',
  ' old',
  ' right',
  ' big',
  ' high',
  ' small',
  ' large',
  ' next',
  ' early',
  ' young',
  ' important',
  ' few',
  ' public',
  ' same',
  ' able',
  ' way',
  ' day',
  ' man',
  ' thing',
  ' life',
  ' hand',
  ' part',
  ' child',
  ' eye',
  ' place',
  ' week',
  ' case',
  ' point',
  ' number',
  ' group',
  ' problem',
  ' fact',
  ' water',
  ' city',
  ' road',
  ' light',
  ' house',
];
const STARTERS: readonly string[] = ['The', 'This', 'We', 'It', 'Our', 'Every', 'Some', 'Each'];

/** Generates one choice deterministically from the request, the seed and the choice index. */
export function generateChoice(input: ReplyInput): GeneratedChoice {
  const { request, model, counter } = input;
  const lastUser = lastUserText(request.messages);
  const requestSeed = typeof request.seed === 'number' ? request.seed : 0;
  const random = createPrng(hashString(lastUser, input.seed ^ requestSeed) + input.choiceIndex * 0x9e3779b1);
  const limit = completionLimit(request);

  const toolNames = chooseTools(request, input.forcedToolNames);
  if (toolNames.length > 0) return toolChoice(input, toolNames, random, limit);
  if (input.mode === 'refusal') {
    return {
      fragments: fragmentText(REFUSAL_TEXT),
      content: null,
      refusal: REFUSAL_TEXT,
      toolCalls: [],
      finishReason: 'stop',
      completionTokens: counter.countTextTokens(REFUSAL_TEXT, model),
    };
  }

  let fragments: string[];
  let tokens: number | undefined;
  // Lorem fragments are single tokens, so cutting them is exact; other text is cut by the tokenizer.
  let fragmentsAreTokens = false;
  const format = request.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    const value =
      format.type === 'json_schema'
        ? sampleFromSchema(format.json_schema?.schema ?? {}, random, LOREM_WORDS)
        : { reply: lorem(random, Math.min(input.replyTokens, 12)).join('') };
    fragments = fragmentJson(JSON.stringify(value));
  } else if (input.mode === 'echo') {
    fragments = fragmentText(lastUser);
  } else {
    fragments = lorem(random, input.replyTokens);
    tokens = fragments.length;
    fragmentsAreTokens = true;
  }

  let content = fragments.join('');
  let finishReason: FinishReason = 'stop';
  const stopAt = firstStop(content, request.stop);
  if (stopAt !== -1) {
    content = content.slice(0, stopAt);
    fragments = cutFragments(fragments, stopAt);
    tokens = undefined;
    fragmentsAreTokens = false;
  }
  tokens ??= counter.countTextTokens(content, model);
  if (limit !== undefined && tokens > limit) {
    if (fragmentsAreTokens) {
      fragments = fragments.slice(0, limit);
      content = fragments.join('');
    } else {
      content = counter.truncateTextTokens(content, limit, model);
      fragments = cutFragments(fragments, content.length);
    }
    tokens = limit;
    finishReason = 'length';
  }
  return { fragments, content, refusal: null, toolCalls: [], finishReason, completionTokens: tokens };
}

function toolChoice(
  input: ReplyInput,
  names: string[],
  random: () => number,
  limit: number | undefined,
): GeneratedChoice {
  const { request, model, counter } = input;
  const calls: GeneratedToolCall[] = [];
  let tokens = 0;
  let finishReason: FinishReason = 'tool_calls';
  for (const name of names) {
    const tool = (request.tools ?? []).find((candidate) => candidate.function?.name === name);
    let args = JSON.stringify(
      sampleFromSchema(tool?.function.parameters ?? { type: 'object' }, random, LOREM_WORDS),
    );
    const cost = counter.countTextTokens(name, model) + counter.countTextTokens(args, model);
    if (limit !== undefined && tokens + cost > limit) {
      args = counter.truncateTextTokens(
        args,
        Math.max(0, limit - tokens - counter.countTextTokens(name, model)),
        model,
      );
      finishReason = 'length';
    }
    tokens += counter.countTextTokens(name, model) + counter.countTextTokens(args, model);
    calls.push({ id: input.newToolCallId(), name, arguments: args, fragments: fragmentJson(args) });
    if (finishReason === 'length') break;
  }
  return {
    fragments: [],
    content: null,
    refusal: null,
    toolCalls: calls,
    finishReason,
    completionTokens: tokens,
  };
}

/** Which tools the answer calls: forced by header, by `tool_choice`, or none. */
function chooseTools(request: ChatRequest, forced: readonly string[]): string[] {
  const tools = request.tools ?? [];
  if (tools.length === 0) return [];
  const known = new Set(tools.map((tool) => tool.function?.name));
  if (forced.length === 1 && forced[0] === 'auto') {
    // An agent loop in miniature: call the first tool, answer in text once a tool result is last.
    const last = request.messages[request.messages.length - 1];
    const first = tools[0]?.function?.name;
    return last?.role === 'tool' || !first ? [] : [first];
  }
  if (forced.length > 0) return forced.filter((name) => known.has(name));
  const choice = request.tool_choice;
  if (typeof choice === 'object' && choice !== null) {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    return typeof name === 'string' ? [name] : [];
  }
  if (choice === 'required') {
    const first = tools[0]?.function?.name;
    return first ? [first] : [];
  }
  return [];
}

function completionLimit(request: ChatRequest): number | undefined {
  const limit = request.max_completion_tokens ?? request.max_tokens;
  return typeof limit === 'number' ? limit : undefined;
}

/** The text of the last user message (string content or its text parts). */
export function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== 'user') continue;
    return contentText(message.content);
  }
  return '';
}

function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function lorem(random: () => number, tokens: number): string[] {
  if (tokens <= 0) return [];
  const pieces = [STARTERS[Math.floor(random() * STARTERS.length)] ?? 'The'];
  for (let i = 1; i < tokens - 1; i++)
    pieces.push(LOREM_WORDS[Math.floor(random() * LOREM_WORDS.length)] ?? ' the');
  if (tokens > 1) pieces.push('.');
  return pieces;
}

/** Word-sized pieces (long runs such as CJK cut every 4 characters). */
export function fragmentText(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(/\s*\S+|\s+/g)) {
    const piece = match[0];
    if (piece.length <= 8) {
      out.push(piece);
      continue;
    }
    const chars = Array.from(piece);
    for (let i = 0; i < chars.length; i += 4) out.push(chars.slice(i, i + 4).join(''));
  }
  return out;
}

/** JSON cut the way OpenAI streams tool arguments: `{"`, `city`, `":"`, `New`, ` York`, `"}`. */
export function fragmentJson(json: string): string[] {
  const out: string[] = [];
  for (const match of json.matchAll(/[{}[\]":,]+|\s?[^{}[\]":,\s]+|\s+/g)) {
    const piece = match[0];
    if (piece.length <= 12) {
      out.push(piece);
      continue;
    }
    const chars = Array.from(piece);
    for (let i = 0; i < chars.length; i += 8) out.push(chars.slice(i, i + 8).join(''));
  }
  return out;
}

function firstStop(content: string, stop: ChatRequest['stop']): number {
  const stops = typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop : [];
  let first = -1;
  for (const s of stops) {
    if (typeof s !== 'string' || s.length === 0) continue;
    const at = content.indexOf(s);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  return first;
}

function cutFragments(fragments: string[], length: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (const fragment of fragments) {
    if (used >= length) break;
    const take = fragment.slice(0, length - used);
    if (take.length > 0) out.push(take);
    used += take.length;
  }
  return out;
}
