import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../openai/wire-types.js';

/** Who is calling and on whose behalf: read by the budget, rate-limit, redaction and usage stages. */
export interface CallContext {
  /** Our own id for this call (also sent as `x-request-id` by the gateway). */
  requestId: string;
  /** Gateway key id, when the call came through the gateway. */
  keyId?: string;
  /** End user, when known. */
  userId?: string;
  /** Conversation the call belongs to, when it belongs to one. */
  conversationId?: string;
}

/** One call travelling down the pipeline. Stages may replace `request` (a copy) before calling `next`. */
export interface ChatCall {
  request: ChatRequest;
  /** Aborts the whole call: pending waits, the upstream request and the stream. */
  signal: AbortSignal;
  context: CallContext;
  /** Free-form per-call options owned by the stages (timeouts, retries, …), keyed by stage. */
  options: Record<string, unknown>;
}

/** What the upstream said besides the body. */
export interface ResponseMeta {
  /** Upstream `x-request-id`, when it sent one. */
  upstreamRequestId?: string;
  /** Response headers of the (last) upstream attempt, lower-case names. */
  headers: Record<string, string>;
  /** How many upstream attempts were made (1 = no retry). */
  attempts: number;
}

export type ChatResponse =
  | { type: 'completion'; completion: ChatCompletion; meta: ResponseMeta }
  | { type: 'stream'; stream: AsyncIterable<ChatCompletionChunk>; meta: ResponseMeta };

export type Next = (call: ChatCall) => Promise<ChatResponse>;

/**
 * A stage is one feature (budget, redaction, retry, usage record…) written once and composed by the
 * library, the CLI and the gateway alike.
 */
export type Stage = (call: ChatCall, next: Next) => Promise<ChatResponse>;

/**
 * Work a stage must finish but the answer need not wait for (ledger rows, budget settlements). When
 * the caller put a sink in `call.options.afterAnswer` (the gateway: it answers first, and waits for
 * that work before reading usage and before shutting down), the work goes there and this resolves at
 * once; otherwise it resolves when the work is done (the library and the CLI, whose callers read the
 * turn's cost right after). The work must not reject.
 */
export function afterAnswer(call: ChatCall, work: Promise<unknown>): Promise<void> {
  const sink = call.options.afterAnswer;
  if (typeof sink === 'function') {
    (sink as (work: Promise<unknown>) => void)(work);
    return Promise.resolve();
  }
  return work.then(() => undefined);
}

/** Chain stages in order (first = outermost) in front of the terminal handler. */
export function compose(stages: readonly Stage[], terminal: Next): Next {
  return stages.reduceRight<Next>((next, stage) => (call) => stage(call, next), terminal);
}
