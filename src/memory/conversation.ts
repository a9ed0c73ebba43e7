import { randomUUID } from 'node:crypto';
import type { ChatMessage, Usage } from '../openai/wire-types.js';
import type { ChatResponse, Next } from '../pipeline/index.js';
import { getModelInfo, type TokenCounter } from '../tokens/index.js';
import type { ConversationRepo, NewMessage } from './conversation-repo.js';
import { type ExportFormat, exportConversation } from './export-conversation.js';
import { type FitWindowResult, fitWindow, truncateMessage, type WindowMessage } from './fit-window.js';
import { MemoryError } from './memory-error.js';
import { readReply } from './read-reply.js';
import { summarizeTurns, summaryMessage } from './summarize-turns.js';
import type {
  ContextUsage,
  ConversationInfo,
  MemoryLogger,
  MemoryOptions,
  RequestExtras,
  StoredMessage,
  TurnOptions,
  TurnResult,
} from './types.js';

/** What a conversation needs from the layer that created it. */
export interface ConversationDeps {
  repo: ConversationRepo;
  chat: Next;
  counter: Pick<TokenCounter, 'countTextTokens' | 'countMessageTokens' | 'countToolsTokens'>;
  memory: MemoryOptions;
  logger: MemoryLogger | undefined;
}

/** What to send: text (a user message), one message, or several (e.g. tool results). */
export type TurnInput = string | ChatMessage | readonly ChatMessage[];

/** A streamed reply: iterate for text as it arrives; `result` settles when the turn is stored. */
export interface ReplyStream extends AsyncIterable<string> {
  result: Promise<TurnResult>;
  /** Stop the reply; what arrived is stored `interrupted` (or dropped, by option). */
  abort(): void;
}

const DEFAULT_SUMMARY_TOKENS = 400;

/**
 * One conversation with memory. Every turn is atomic: the new messages and the reply are stored
 * together, only once the reply is complete (or interrupted, by option); a failed call changes
 * nothing. Turns on one object run one at a time.
 */
export class Conversation {
  #info: ConversationInfo;
  #lastSeq: number;
  #messages: StoredMessage[] | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #deps: ConversationDeps;

  /** @internal Use {@link Conversations.open} or {@link Conversations.create}. */
  constructor(info: ConversationInfo & { lastSeq: number }, deps: ConversationDeps) {
    const { lastSeq, ...rest } = info;
    this.#info = rest;
    this.#lastSeq = lastSeq;
    this.#deps = deps;
  }

  get id(): string {
    return this.#info.id;
  }

  /** Metadata as of the last operation. */
  get info(): ConversationInfo {
    return { ...this.#info };
  }

  /** Every stored message, oldest first (reloaded when another process changed the conversation). */
  messages(): Promise<StoredMessage[]> {
    return this.#exclusive(async () => [...(await this.#sync())]);
  }

  /** Send a message and get the reply (streamed through `onText` when `stream` is set). */
  send(input: TurnInput, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#exclusive(() => this.#turn('send', toMessages(input), options));
  }

  /** Send a message and stream the reply as an async iterable of text. */
  stream(input: TurnInput, options: Omit<TurnOptions, 'stream'> = {}): ReplyStream {
    return streamOf((opts) => this.send(input, { ...options, ...opts, stream: true }), options);
  }

  /** Replace the last reply with a new one (the last question is asked again). */
  regenerate(options: TurnOptions = {}): Promise<TurnResult> {
    return this.#exclusive(() => this.#turn('regenerate', [], options));
  }

  /** Replace the last question (and its reply) with `input`, and get the new reply. */
  editLast(input: TurnInput, options: TurnOptions = {}): Promise<TurnResult> {
    return this.#exclusive(() => this.#turn('edit', toMessages(input), options));
  }

  /** Forget every message and the summary; settings and title stay. */
  clear(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#deps.repo.clear(this.id);
      this.#messages = null;
      await this.#sync();
    });
  }

  rename(title: string): Promise<void> {
    return this.#update({ title });
  }

  /** Change the system prompt (null removes it); it applies from the next turn. */
  setSystem(system: string | null): Promise<void> {
    return this.#update({ system });
  }

  /** Change the model used from the next turn. */
  setModel(model: string): Promise<void> {
    return this.#update({ model });
  }

  /** The conversation as Markdown or JSON. */
  export(format: ExportFormat = 'markdown'): Promise<string> {
    return this.#exclusive(async () => exportConversation(this.#info, await this.#sync(), format));
  }

  #update(changes: { title?: string; system?: string | null; model?: string }): Promise<void> {
    return this.#exclusive(async () => {
      await this.#deps.repo.update(this.id, changes);
      await this.#sync();
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #sync(): Promise<StoredMessage[]> {
    const fresh = await this.#deps.repo.get(this.id);
    if (!fresh) throw new MemoryError('conversation_not_found', `Conversation ${this.id} was deleted.`);
    const { lastSeq, ...info } = fresh;
    this.#info = info;
    if (this.#messages === null || lastSeq !== this.#lastSeq) {
      this.#messages = await this.#deps.repo.messages(this.id);
      this.#lastSeq = lastSeq;
    }
    return this.#messages;
  }

  async #turn(kind: 'send' | 'regenerate' | 'edit', inputs: ChatMessage[], options: TurnOptions) {
    const { repo, counter, memory, logger } = this.#deps;
    const stored = await this.#sync();
    const info = this.#info;
    let base = stored;
    let deleteFromSeq: number | undefined;
    let expectLastSeq: number | undefined;
    if (kind !== 'send') {
      const lastUser = findLastIndex(stored, (m) => m.message.role === 'user');
      if (lastUser < 0) {
        throw new MemoryError('nothing_to_retry', 'There is no question to ask again in this conversation.', {
          hint: 'Send a message first.',
        });
      }
      base = stored.slice(0, kind === 'regenerate' ? lastUser + 1 : lastUser);
      deleteFromSeq = stored[base.length]?.seq;
      expectLastSeq = this.#lastSeq;
    } else if (inputs.length === 0) {
      throw new MemoryError('nothing_to_retry', 'Nothing to send: the message is empty.', {
        hint: 'Pass a text or at least one message.',
      });
    }

    const extras: RequestExtras = options.request ?? {};
    const { model, encoding, count, fresh, history, system, contextWindow, share } = this.#prepare(
      base,
      inputs,
      extras,
    );
    const reserve = reserveFor(extras, memory, getModelInfo(model).maxOutputTokens);
    const tools = counter.countToolsTokens(extras.tools, model);
    const margin = Math.ceil(contextWindow * (memory.marginRatio ?? 0.05));
    let budget = contextWindow - reserve - tools - margin;

    // Summaries: reserve their room, see what gets evicted, fold the newly evicted into the summary.
    const summaryModel = memory.summary?.model;
    const summariesOn = summaryModel !== undefined && memory.summary?.enabled !== false;
    const summaryCap = memory.summary?.maxTokens ?? DEFAULT_SUMMARY_TOKENS;
    const summaryRoom = count(summaryMessage('')) + summaryCap;
    let summaryText = info.summary;
    let summaryThrough = info.summaryThroughSeq ?? 0;
    let newSummary: { text: string; throughSeq: number; tokens: number } | undefined;
    const summaryWindow = (text: string | null): WindowMessage | null =>
      text ? { message: summaryMessage(text), tokens: count(summaryMessage(text)) } : null;
    const fitTo = (b: number, summary: WindowMessage | null): FitWindowResult =>
      fitWindow({ system, summary, history, budget: b, maxMessageShare: share, countMessage: count });

    const signal = options.signal ?? new AbortController().signal;
    let window = fitTo(
      budget,
      summariesOn ? { message: summaryMessage(''), tokens: summaryRoom } : summaryWindow(summaryText),
    );
    if (summariesOn) {
      const evictedEnd = Math.min(window.firstKept, base.length);
      const dropped = new Set(window.dropped);
      const evicted = base.slice(0, evictedEnd).filter((m, i) => m.seq > summaryThrough && !dropped.has(i));
      if (evicted.length > 0) {
        try {
          const text = await summarizeTurns({
            chat: this.#deps.chat,
            model: summaryModel,
            previous: summaryText,
            evicted: evicted.map((m) => m.message),
            maxTokens: summaryCap,
            signal,
            conversationId: this.id,
          });
          if (text) {
            const capped = truncateMessage(summaryWindow(text)!, summaryRoom, count);
            summaryText = text.length > 0 ? String(capped.message.content).replace(/^[^\n]*\n/, '') : null;
            summaryThrough = base[evictedEnd - 1]!.seq;
            newSummary = { text: summaryText ?? '', throughSeq: summaryThrough, tokens: capped.tokens };
          }
        } catch (error) {
          if (signal.aborted) return this.#abandoned(window);
          logger?.warn(
            { conversationId: this.id, error: describe(error) },
            'Updating the conversation summary failed; the turn goes on with the previous summary.',
          );
        }
      }
    }
    window = fitTo(budget, summaryWindow(summaryText));

    const call = (messages: ChatMessage[]): Promise<ChatResponse> =>
      this.#deps.chat({
        request: {
          ...extras,
          model,
          messages,
          ...(options.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
        },
        signal,
        context: {
          requestId: randomUUID(),
          conversationId: this.id,
          ...(info.owner ? { userId: info.owner } : {}),
        },
        options: {},
      });

    let response: ChatResponse;
    let retriedShorter = false;
    try {
      try {
        response = await call(window.messages);
      } catch (error) {
        if (!isContextLengthError(error)) throw error;
        const { limit, requested } = error as { limit?: number; requested?: number };
        logger?.warn(
          { conversationId: this.id, model, counted: window.tokens, reportedTotal: requested, limit },
          'The API said context_length_exceeded despite our count; trimming harder and retrying once.',
        );
        // `requested` includes the completion limit when one was sent: what is left is the real prompt.
        const completion = extras.max_completion_tokens ?? extras.max_tokens ?? 0;
        const drift = requested !== undefined ? (requested - completion) / Math.max(1, window.tokens) : 0;
        budget = Math.floor(budget / Math.max(drift * 1.05, 1.25));
        window = fitTo(budget, summaryWindow(summaryText));
        retriedShorter = true;
        response = await call(window.messages);
      }
    } catch (error) {
      if (signal.aborted) return this.#abandoned(window);
      throw error;
    }

    const reply = await readReply(response, signal, options.onText);
    const reportedPromptTokens = reply.usage?.prompt_tokens ?? null;
    if (reportedPromptTokens !== null) {
      const drift = reportedPromptTokens - window.tokens;
      if (Math.abs(drift) > Math.max(8, window.tokens * 0.02)) {
        logger?.warn(
          { conversationId: this.id, model, counted: window.tokens, reported: reportedPromptTokens, drift },
          'Token count drift between our count and the API.',
        );
      }
    }
    const base_result = {
      text: reply.text,
      interrupted: reply.interrupted,
      promptTokens: window.tokens,
      reportedPromptTokens,
      evicted: window.firstKept,
      summarized: window.summaryIncluded,
      retriedShorter,
    };
    if (reply.interrupted && (memory.interrupted === 'drop' || reply.text === '')) {
      if (reply.error !== undefined) throw reply.error;
      return { ...base_result, reply: null, usage: reply.usage } satisfies TurnResult;
    }

    const usage: StoredMessage['usage'] =
      reply.usage ??
      (reply.interrupted ? estimateUsage(window.tokens, counter.countTextTokens(reply.text, model)) : null);
    const add: NewMessage[] = fresh.map((f) => ({
      message: f.message,
      tokens: f.tokens,
      encoding,
      status: 'complete',
      usage: null,
      model: null,
    }));
    add.push({
      message: reply.message,
      tokens: count(reply.message),
      encoding,
      status: reply.interrupted ? 'interrupted' : 'complete',
      usage,
      model: reply.model ?? model,
    });
    const title = info.title === '' ? titleFrom(history) : undefined;
    const written = await repo.commitTurn(this.id, {
      ...(deleteFromSeq === undefined ? {} : { deleteFromSeq }),
      ...(expectLastSeq === undefined ? {} : { expectLastSeq }),
      add,
      ...(newSummary ? { summary: newSummary } : {}),
      ...(title ? { title } : {}),
    });
    const firstSeq = written[0]!.seq;
    if (firstSeq - 1 === this.#lastSeq) {
      this.#messages = [...base, ...written];
      this.#lastSeq = written.at(-1)!.seq;
    } else {
      this.#messages = null; // another writer got in between: reload next time
    }
    if (newSummary)
      this.#info = { ...this.#info, summary: newSummary.text, summaryThroughSeq: newSummary.throughSeq };
    if (title) this.#info = { ...this.#info, title };
    if (reply.error !== undefined) throw reply.error;
    return { ...base_result, reply: written.at(-1)!, usage: reply.usage ?? usage } satisfies TurnResult;
  }

  /** Counts and the budget of the messages a turn would send (nothing is sent). */
  #prepare(base: readonly StoredMessage[], inputs: readonly ChatMessage[], extras: RequestExtras) {
    const { counter, memory } = this.#deps;
    const model = extras.model ?? this.#info.model;
    const modelInfo = getModelInfo(model);
    const encoding = modelInfo.encoding;
    const count = (m: ChatMessage) => counter.countMessageTokens(m, model);
    const fresh = inputs.map((message) => ({ message, tokens: count(message) }));
    const history: WindowMessage[] = [
      ...base.map((s) => ({
        message: s.message,
        tokens: s.encoding === encoding ? s.tokens : count(s.message),
      })),
      ...fresh,
    ];
    const system = this.#info.system
      ? { message: { role: 'system' as const, content: this.#info.system }, tokens: 0 }
      : null;
    if (system) system.tokens = count(system.message);
    const contextWindow = Math.min(
      modelInfo.contextWindow,
      memory.maxContextTokens ?? Number.POSITIVE_INFINITY,
    );
    return {
      model,
      encoding,
      count,
      fresh,
      history,
      system,
      contextWindow,
      share: memory.maxMessageShare ?? 0.5,
    };
  }

  /**
   * How much of the context window the next turn would use, without sending anything: for a usage
   * gauge ("12% of the context, 40 older messages summarised").
   */
  contextUsage(): Promise<ContextUsage> {
    return this.#exclusive(async () => {
      const stored = await this.#sync();
      const { memory } = this.#deps;
      const { model, count, history, system, contextWindow, share } = this.#prepare(stored, [], {});
      const reserve = reserveFor({}, memory, getModelInfo(model).maxOutputTokens);
      const budget = contextWindow - reserve - Math.ceil(contextWindow * (memory.marginRatio ?? 0.05));
      const summary = this.#info.summary
        ? { message: summaryMessage(this.#info.summary), tokens: count(summaryMessage(this.#info.summary)) }
        : null;
      const window = fitWindow({
        system,
        summary,
        history,
        budget,
        maxMessageShare: share,
        countMessage: count,
      });
      return {
        model,
        contextWindow,
        budget,
        used: window.tokens,
        messages: stored.length,
        sent: stored.length - window.firstKept - window.dropped.filter((i) => i >= window.firstKept).length,
        evicted: window.firstKept,
        summarizedThroughSeq: this.#info.summaryThroughSeq,
      };
    });
  }

  #abandoned(window: FitWindowResult): TurnResult {
    return {
      reply: null,
      text: '',
      interrupted: true,
      usage: null,
      promptTokens: window.tokens,
      reportedPromptTokens: null,
      evicted: window.firstKept,
      summarized: window.summaryIncluded,
      retriedShorter: false,
    };
  }
}

function reserveFor(extras: RequestExtras, memory: MemoryOptions, maxOutput: number): number {
  return (
    extras.max_completion_tokens ??
    extras.max_tokens ??
    memory.reserveCompletionTokens ??
    Math.min(4096, maxOutput)
  );
}

function toMessages(input: TurnInput): ChatMessage[] {
  if (typeof input === 'string') return input.length > 0 ? [{ role: 'user', content: input }] : [];
  if (Array.isArray(input)) return [...(input as readonly ChatMessage[])];
  return [input as ChatMessage];
}

function isContextLengthError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; upstreamCode?: unknown };
  return e.code === 'context_length_exceeded' || e.upstreamCode === 'context_length_exceeded';
}

function estimateUsage(prompt: number, completion: number): Usage & { estimated: true } {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    estimated: true,
  };
}

function titleFrom(history: readonly WindowMessage[]): string | undefined {
  const first = history.find((h) => h.message.role === 'user' && typeof h.message.content === 'string');
  const text =
    typeof first?.message.content === 'string' ? first.message.content.replace(/\s+/g, ' ').trim() : '';
  if (!text) return undefined;
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return i;
  return -1;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function streamOf(
  start: (opts: { onText: (delta: string) => void; signal: AbortSignal }) => Promise<TurnResult>,
  options: Omit<TurnOptions, 'stream'>,
): ReplyStream {
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  const pending: string[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const result = start({
    signal: controller.signal,
    onText: (delta) => {
      options.onText?.(delta);
      pending.push(delta);
      wake?.();
    },
  }).finally(() => {
    finished = true;
    wake?.();
  });
  // The caller may only await `result`; its rejection must not go unhandled through the iterator.
  result.catch(() => undefined);
  return {
    result,
    abort: () => controller.abort(),
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          while (pending.length > 0) yield pending.shift()!;
          if (finished) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
        await result;
      } finally {
        if (!finished) controller.abort();
      }
    },
  };
}
