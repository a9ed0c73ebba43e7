import { SteadyChatError } from '../errors/index.js';
import { CompletionAccumulator, type UpstreamMeta } from '../openai/index.js';
import type { ChatCompletion, ChatCompletionChunk } from '../openai/wire-types.js';

/** The completion a stream spelled, assembled from its chunks. */
export type AssembledCompletion = ChatCompletion & {
  /** True when `usage` was counted with the tokenizer because the upstream sent no usage chunk. */
  usageEstimated: boolean;
};

/**
 * A streamed answer: iterate it (`for await (const chunk of stream)`) for the chunks as they arrive,
 * read `text` for the answer so far, `await finalCompletion()` for the assembled completion, or pipe
 * `toReadableStream()`. It can be consumed once; `abort()` cancels the upstream request.
 */
export class ChatStream implements AsyncIterable<ChatCompletionChunk> {
  /** Upstream request id, headers, attempts; `usage` is filled in when the stream ends. */
  readonly meta: UpstreamMeta;
  readonly #source: AsyncIterable<ChatCompletionChunk>;
  readonly #controller: AbortController;
  readonly #acc = new CompletionAccumulator();
  readonly #onEnd: () => void;
  #started = false;
  #state: 'open' | 'done' | 'failed' = 'open';
  #error: unknown;
  readonly #ended: Promise<void>;
  #settle!: (error?: unknown) => void;

  constructor(
    source: AsyncIterable<ChatCompletionChunk>,
    meta: UpstreamMeta,
    controller: AbortController,
    onEnd: () => void = () => {},
  ) {
    this.#source = source;
    this.meta = meta;
    this.#controller = controller;
    this.#onEnd = onEnd;
    this.#ended = new Promise<void>((resolve, reject) => {
      this.#settle = (error?: unknown) => (error === undefined ? resolve() : reject(error));
    });
    this.#ended.catch(() => {});
  }

  /** Content of the first choice received so far. */
  get text(): string {
    return this.#acc.text;
  }

  /** Chunks received so far. */
  get chunks(): number {
    return this.#acc.chunks;
  }

  /** Cancel the call: the upstream request is aborted and iteration ends with an `AbortedError`. */
  abort(): void {
    this.#controller.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.#started) {
      throw new SteadyChatError(
        'stream_already_consumed',
        'This stream is already being read. Iterate it once; use finalCompletion() or text for the result.',
      );
    }
    this.#started = true;
    return this.#pump();
  }

  async *#pump(): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    try {
      for await (const chunk of this.#source) {
        this.#acc.add(chunk);
        yield chunk;
      }
      this.#state = 'done';
      this.#settle();
    } catch (error) {
      this.#state = 'failed';
      this.#error = error;
      this.#settle(error);
      throw error;
    } finally {
      if (this.#state === 'open') {
        // The consumer stopped early: the upstream was cancelled by the source's own cleanup.
        this.#state = 'done';
        this.#settle();
      }
      this.#onEnd();
    }
  }

  /**
   * The assembled completion: content, refusal and tool calls (by index) per choice, finish reasons
   * and usage (the usage chunk's, else an estimate flagged by `usageEstimated`). Reads the rest of
   * the stream if nobody is iterating it; rejects with the stream's error if it failed.
   */
  async finalCompletion(): Promise<AssembledCompletion> {
    if (!this.#started) {
      for await (const _ of this) {
        // Drain: the accumulator collects every chunk.
      }
    } else {
      await this.#ended;
    }
    if (this.#state === 'failed') throw this.#error;
    const completion = this.#acc.toCompletion();
    const usage = completion.usage ?? this.meta.usage;
    const estimated = completion.usage === undefined && this.meta.usageEstimated === true;
    const out: AssembledCompletion = { ...completion, usageEstimated: estimated };
    if (usage) out.usage = usage;
    return out;
  }

  /** A Web `ReadableStream` of the chunks (for `new Response(...)`, `pipeThrough`, …). Cancelling it aborts the call. */
  toReadableStream(): ReadableStream<ChatCompletionChunk> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<ChatCompletionChunk>({
      pull: async (controller) => {
        try {
          const { done, value } = await iterator.next();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: async () => {
        this.abort();
        await iterator.return?.();
      },
    });
  }
}
