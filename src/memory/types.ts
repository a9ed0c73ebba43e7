import type { ChatMessage, ChatRequest, Usage } from '../openai/wire-types.js';

/** A conversation's metadata. */
export interface ConversationInfo {
  id: string;
  owner: string | null;
  title: string;
  /** System prompt, always sent first; null for none. */
  system: string | null;
  model: string;
  /** Running summary of evicted turns, or null. */
  summary: string | null;
  /** The summary covers every message with `seq` up to this one. */
  summaryThroughSeq: number | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** Whether a stored reply arrived whole. */
export type MessageStatus = 'complete' | 'interrupted';

/** A message as stored: the wire message plus its place, cached token count and status. */
export interface StoredMessage {
  id: string;
  seq: number;
  message: ChatMessage;
  /** Tokens by the published chat rule, counted once when stored. */
  tokens: number;
  /** The encoding `tokens` was counted with. */
  encoding: string | null;
  status: MessageStatus;
  /** Usage of the call that produced this reply (`estimated: true` when the stream carried none). */
  usage: (Usage & { estimated?: boolean }) | null;
  model: string | null;
  createdAt: number;
}

/** Memory settings of a conversation layer; every field optional. */
export interface MemoryOptions {
  /**
   * Cap on the context window used (the model's window when smaller); lowers cost on large models.
   * @default the model's context window
   */
  maxContextTokens?: number;
  /**
   * Completion tokens kept free for the reply when the request sets no `max_tokens` /
   * `max_completion_tokens`.
   * @default min(4096, the model's max output)
   */
  reserveCompletionTokens?: number;
  /**
   * Safety margin, as a share of the context window, for counting drift.
   * @default 0.05
   */
  marginRatio?: number;
  /**
   * Largest share of the history budget one message may take before it is truncated with a marker.
   * @default 0.5
   */
  maxMessageShare?: number;
  /**
   * What to do with a reply cut by an abort or a broken stream: store it marked `interrupted`, or drop
   * the whole turn.
   * @default 'keep'
   */
  interrupted?: 'keep' | 'drop';
  /** Running summary of evicted turns. */
  summary?: SummaryOptions;
}

/** Summaries of evicted turns. */
export interface SummaryOptions {
  /**
   * Turn summaries on or off.
   * @default true when `model` is set
   */
  enabled?: boolean;
  /** The (cheap) model that writes summaries; summaries are off without one. */
  model?: string;
  /**
   * Largest size of the summary, in tokens.
   * @default 400
   */
  maxTokens?: number;
}

/** What a turn may send besides the messages. */
export type RequestExtras = Partial<
  Pick<
    ChatRequest,
    | 'model'
    | 'max_tokens'
    | 'max_completion_tokens'
    | 'temperature'
    | 'top_p'
    | 'seed'
    | 'stop'
    | 'tools'
    | 'tool_choice'
    | 'parallel_tool_calls'
    | 'user'
  >
> & { [key: string]: unknown };

/** What goes with a user message, a retry or an edit. */
export interface TurnOptions {
  /** Aborts the call; a reply already streaming is then stored `interrupted` (or dropped, by option). */
  signal?: AbortSignal;
  /**
   * Stream the reply (text arrives through `onText`).
   * @default false
   */
  stream?: boolean;
  /** Called with each piece of text as it arrives (streaming). */
  onText?: (delta: string) => void;
  /** Extra request fields (temperature, tools, max_tokens, model, …) for this turn. */
  request?: RequestExtras;
}

/** The outcome of a turn. */
export interface TurnResult {
  /** The stored reply, or null when an interrupted reply was dropped. */
  reply: StoredMessage | null;
  /** The reply's text ('' for none). */
  text: string;
  /** The reply was cut by an abort or a broken stream. */
  interrupted: boolean;
  usage: Usage | null;
  /** Prompt tokens we counted for the window sent. */
  promptTokens: number;
  /** Prompt tokens the API reported, when it did. */
  reportedPromptTokens: number | null;
  /** History messages left out of the window this turn (covered by the summary when one exists). */
  evicted: number;
  /** Whether a summary of older turns was sent. */
  summarized: boolean;
  /** The window was trimmed harder and the call retried after `context_length_exceeded`. */
  retriedShorter: boolean;
}

/** Where warnings go (pino-compatible). */
export interface MemoryLogger {
  warn(data: Record<string, unknown>, message: string): void;
}

/** How much of the context window the next turn would use. */
export interface ContextUsage {
  model: string;
  /** The model's window, or `maxContextTokens` when smaller. */
  contextWindow: number;
  /** Prompt tokens the history may use (window − reserve − margin). */
  budget: number;
  /** Prompt tokens the next request would use before the new question. */
  used: number;
  /** Messages stored. */
  messages: number;
  /** Stored messages that would be sent. */
  sent: number;
  /** Stored messages left out (older turns). */
  evicted: number;
  /** The summary covers messages up to this seq, or null for no summary. */
  summarizedThroughSeq: number | null;
}
