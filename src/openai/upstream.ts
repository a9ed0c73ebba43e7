import type { Dispatcher } from 'undici';
import { maskUrl } from '../config/index.js';
import type { ChatCall, ChatResponse, Next, ResponseMeta } from '../pipeline/index.js';
import { AttemptClock, DEFAULT_TIMEOUTS, type Timeouts } from './attempt-clock.js';
import { CompletionAccumulator } from './completion-accumulator.js';
import { completionToChunks } from './completion-to-chunks.js';
import { createDispatcher, type ProxySettings, proxyFor } from './create-dispatcher.js';
import { errorFromResponse, errorFromStreamFrame } from './error-from-response.js';
import { estimateUsage } from './estimate-usage.js';
import { interpretChatEvent, SseDecoder } from './sse-decoder.js';
import {
  AuthenticationError,
  ConnectionError,
  describeCut,
  ServerError,
  StreamInterruptedError,
  type UpstreamError,
} from './upstream-errors.js';
import { type FetchLike, sendWithDispatcher, sendWithFetch, type WireResponse } from './wire-response.js';
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, Usage } from './wire-types.js';

export type { FetchLike } from './wire-response.js';

/** The minimal logger the transport writes to (pino's shape). */
export interface LoggerLike {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** How to reach the upstream. Resolved once by `createClient`. */
export interface UpstreamOptions {
  /** Base URL ending in `/v1` (no trailing slash needed). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; never logged, never copied into errors. */
  apiKey?: string | undefined;
  /** `OpenAI-Organization`. */
  organization?: string | undefined;
  /** `OpenAI-Project`. */
  project?: string | undefined;
  /** Extra headers on every request (custom gateways). */
  headers?: Record<string, string> | undefined;
  timeouts?: Partial<Timeouts> | undefined;
  proxy?: ProxySettings | undefined;
  /** A fetch to use instead of undici's (then the connect timeout is that fetch's business). */
  fetch?: FetchLike | undefined;
  /** An undici dispatcher to send with (replaces steadychat's own, proxy included). */
  dispatcher?: Dispatcher | undefined;
  /**
   * Ask for `stream_options.include_usage` on streams (set false for providers that reject it).
   * @default true
   */
  streamUsage?: boolean | undefined;
  logger?: LoggerLike | undefined;
}

/** Per-call transport options, read from `call.options.upstream`. */
export interface UpstreamCallOptions {
  timeouts?: Partial<Timeouts>;
  /** Epoch ms by which the whole call (all attempts) must be over. */
  deadline?: number;
  headers?: Record<string, string>;
  streamUsage?: boolean;
}

/** The meta of an upstream answer: what the pipeline's meta has, plus what the transport measured. */
export interface UpstreamMeta extends ResponseMeta {
  /** HTTP status of the answer. */
  status: number;
  /** Milliseconds from sending the request to the response headers. */
  latencyMs: number;
  /** Usage once known: the completion's, the stream's usage chunk, or an estimate (see `usageEstimated`). */
  usage?: Usage;
  /** True when `usage` was counted with the tokenizer because the upstream sent none. */
  usageEstimated?: boolean;
}

const VERSION = '0.1.0';

/**
 * The terminal stage: HTTP to OpenAI or a compatible provider, with the four timeouts, the proxy,
 * SSE decoding, and every failure mapped to a typed error.
 */
export class Upstream {
  readonly baseUrl: string;
  readonly #options: UpstreamOptions;
  readonly #timeouts: Timeouts;
  readonly #secrets: string[];
  readonly #dispatchers = new Map<number, Dispatcher>();
  readonly #host: string;
  /** Set once the upstream has refused `stream_options` (some compatible providers do). */
  #streamUsageRejected = false;

  constructor(options: UpstreamOptions) {
    this.#options = options;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts) };
    this.#secrets = options.apiKey ? [options.apiKey] : [];
    this.#host = hostOf(this.baseUrl);
  }

  /** The chat-completions handler, to end a pipeline with. */
  readonly chat: Next = (call) => this.#chat(call);

  /** The effective timeouts for a call with these overrides. */
  timeoutsFor(overrides?: Partial<Timeouts>): Timeouts {
    return overrides ? { ...this.#timeouts, ...definedOnly(overrides) } : this.#timeouts;
  }

  /** The proxy requests to the base URL go through (credentials masked), if any. */
  get proxy(): string | undefined {
    if (this.#options.dispatcher || this.#options.fetch) return undefined;
    const proxy = proxyFor(this.baseUrl, this.#options.proxy ?? {});
    return proxy ? maskUrl(proxy) : undefined;
  }

  /**
   * A JSON request to another endpoint (e.g. `GET /models`), with the same headers, timeouts and
   * error mapping. One attempt; returns the parsed body with the response meta.
   */
  async requestJson<T>(
    method: string,
    path: string,
    options: { signal?: AbortSignal; timeouts?: Partial<Timeouts>; headers?: Record<string, string> } = {},
  ): Promise<{ body: T; meta: UpstreamMeta }> {
    const timeouts = this.timeoutsFor(options.timeouts);
    const deadline = timeouts.totalMs > 0 ? Date.now() + timeouts.totalMs : undefined;
    const clock = new AttemptClock(
      options.signal ?? new AbortController().signal,
      timeouts,
      deadline,
      this.#host,
    );
    const url = `${this.baseUrl}${path}`;
    const { response, meta } = await this.#send(url, method, undefined, options.headers, clock, timeouts);
    const text = await this.#readText(response, clock);
    clock.dispose();
    if (!ok(response)) throw this.#httpError(response.status, meta.headers, text, url, undefined);
    try {
      return { body: JSON.parse(text) as T, meta };
    } catch (error) {
      throw new ServerError({
        status: response.status,
        headers: meta.headers,
        upstreamMessage: 'the response was not valid JSON',
        cause: error,
      });
    }
  }

  async #chat(call: ChatCall): Promise<ChatResponse> {
    const callOptions = (call.options.upstream ?? {}) as UpstreamCallOptions;
    const timeouts = this.timeoutsFor(callOptions.timeouts);
    const stream = call.request.stream === true;
    const request = stream ? this.#withUsage(call.request, callOptions.streamUsage) : call.request;
    if (!this.#options.apiKey && this.#host === 'api.openai.com') {
      throw new AuthenticationError('missing', { baseUrl: this.baseUrl });
    }
    const clock = new AttemptClock(call.signal, timeouts, callOptions.deadline, this.#host);
    const url = `${this.baseUrl}/chat/completions`;
    const { response, meta } = await this.#send(
      url,
      'POST',
      JSON.stringify(request),
      callOptions.headers,
      clock,
      timeouts,
      stream,
    );
    if (!ok(response)) {
      const text = await this.#readText(response, clock);
      clock.dispose();
      if (request !== call.request && response.status === 400 && /stream_options|include_usage/.test(text)) {
        // This upstream rejects the usage request we added: remember it, and ask again without it.
        this.#streamUsageRejected = true;
        this.#options.logger?.warn({ url }, 'upstream rejects stream_options; usage will be estimated');
        return this.#chat(call);
      }
      throw this.#httpError(response.status, meta.headers, text, url, request.model);
    }
    if (!stream) {
      const text = await this.#readText(response, clock);
      clock.dispose();
      const completion = this.#parseCompletion(text, meta);
      if (completion.usage) meta.usage = completion.usage;
      return { type: 'completion', completion, meta };
    }
    if (/application\/json/i.test(meta.headers['content-type'] ?? '')) {
      // Some providers ignore `stream: true` and answer with one JSON completion: replay it as chunks.
      const text = await this.#readText(response, clock);
      clock.dispose();
      const completion = this.#parseCompletion(text, meta);
      if (completion.usage) {
        meta.usage = completion.usage;
        meta.usageEstimated = false;
      }
      return { type: 'stream', stream: replay(completionToChunks(completion)), meta };
    }
    return { type: 'stream', stream: this.#chunks(response, clock, request, meta), meta };
  }

  #parseCompletion(text: string, meta: UpstreamMeta): ChatCompletion {
    let completion: ChatCompletion;
    try {
      completion = JSON.parse(text) as ChatCompletion;
    } catch (error) {
      throw new ServerError({
        status: meta.status,
        headers: meta.headers,
        requestId: meta.upstreamRequestId,
        upstreamMessage: 'the response was not valid JSON',
        cause: error,
      });
    }
    if (completion && typeof completion === 'object' && 'error' in completion && completion.error) {
      throw errorFromStreamFrame(text, meta.headers, this.#secrets);
    }
    if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) {
      throw new ServerError({
        status: meta.status,
        headers: meta.headers,
        requestId: meta.upstreamRequestId,
        upstreamMessage: 'the response is not a chat completion',
      });
    }
    return completion;
  }

  #withUsage(request: ChatRequest, perCall: boolean | undefined): ChatRequest {
    const wanted = perCall ?? this.#options.streamUsage ?? true;
    if (!wanted || this.#streamUsageRejected || request.stream_options?.include_usage !== undefined)
      return request;
    return { ...request, stream_options: { ...(request.stream_options ?? {}), include_usage: true } };
  }

  async #send(
    url: string,
    method: string,
    body: string | undefined,
    extraHeaders: Record<string, string> | undefined,
    clock: AttemptClock,
    timeouts: Timeouts,
    stream = false,
  ): Promise<{ response: WireResponse; meta: UpstreamMeta }> {
    const headers: Record<string, string> = {
      accept: stream ? 'text/event-stream' : 'application/json',
      'user-agent': `steadychat/${VERSION} node/${process.versions.node}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    if (this.#options.organization) headers['openai-organization'] = this.#options.organization;
    if (this.#options.project) headers['openai-project'] = this.#options.project;
    Object.assign(headers, this.#options.headers, extraHeaders);
    const wire = { url, method, headers, body, signal: () => clock.signal, lightSignal: clock.lightSignal };
    const started = performance.now();
    let response: WireResponse;
    try {
      const dispatcher = this.#dispatcherFor(timeouts.connectMs);
      response = this.#options.fetch
        ? await sendWithFetch(this.#options.fetch, dispatcher, wire)
        : await sendWithDispatcher(dispatcher as Dispatcher, wire);
    } catch (error) {
      const mapped = clock.mapError(error, this.proxy);
      clock.dispose();
      this.#options.logger?.debug(
        { url, code: mapped.code, phase: (mapped as { phase?: string }).phase },
        'upstream request failed',
      );
      throw mapped;
    }
    clock.headersArrived();
    const responseHeaders = response.headers;
    const meta: UpstreamMeta = {
      headers: responseHeaders,
      attempts: 1,
      status: response.status,
      latencyMs: Math.round(performance.now() - started),
    };
    const requestId = responseHeaders['x-request-id'];
    if (requestId) meta.upstreamRequestId = requestId;
    this.#options.logger?.debug(
      { url, status: response.status, latencyMs: meta.latencyMs, requestId },
      'upstream response',
    );
    return { response, meta };
  }

  #dispatcherFor(connectMs: number): Dispatcher | undefined {
    if (this.#options.dispatcher) return this.#options.dispatcher;
    if (this.#options.fetch) return undefined;
    let dispatcher = this.#dispatchers.get(connectMs);
    if (!dispatcher) {
      dispatcher = createDispatcher(this.#options.proxy ?? {}, connectMs);
      this.#dispatchers.set(connectMs, dispatcher);
    }
    return dispatcher;
  }

  /** Close the connections steadychat opened (not a dispatcher the caller passed). */
  async close(): Promise<void> {
    const all = [...this.#dispatchers.values()];
    this.#dispatchers.clear();
    await Promise.all(all.map((d) => d.close().catch(() => {})));
  }

  /**
   * A whole (non-streamed) body, under the first-byte deadline: such bodies arrive in one burst when
   * the answer is ready, and `text()` is markedly cheaper than a read loop.
   */
  async #readText(response: WireResponse, clock: AttemptClock): Promise<string> {
    clock.beginRead();
    try {
      return await response.text();
    } catch (error) {
      const mapped = clock.mapError(error, this.proxy);
      clock.dispose();
      throw mapped;
    } finally {
      clock.endRead();
    }
  }

  #httpError(
    status: number,
    headers: Record<string, string>,
    body: string,
    url: string,
    model: string | undefined,
  ): UpstreamError {
    const error = errorFromResponse({
      status,
      headers,
      body,
      secrets: this.#secrets,
      url: this.baseUrl,
      ...(model ? { model } : {}),
    });
    this.#options.logger?.debug(
      { url, status, code: error.code, requestId: error.requestId },
      'upstream error',
    );
    return error;
  }

  async *#chunks(
    response: WireResponse,
    clock: AttemptClock,
    request: ChatRequest,
    meta: UpstreamMeta,
  ): AsyncGenerator<ChatCompletionChunk, void, undefined> {
    const decoder = new SseDecoder();
    const acc = new CompletionAccumulator();
    const headers = meta.headers;
    let sawDone = false;
    let finished = false;
    const cut = (error: UpstreamError): UpstreamError => {
      if (error.code === 'aborted') {
        this.#estimate(meta, request, acc);
        return error;
      }
      if (acc.chunks === 0) return error;
      const usage = acc.usage ?? estimateUsage(request, acc.generatedText);
      meta.usage = usage;
      meta.usageEstimated = acc.usage === undefined;
      return new StreamInterruptedError({
        partialText: acc.text,
        chunks: acc.chunks,
        usage,
        usageEstimated: acc.usage === undefined,
        reason: describeCut(error),
        requestId: meta.upstreamRequestId,
        headers,
        cause: error,
      });
    };
    const reader = response.reader();
    try {
      read: while (true) {
        let bytes: Uint8Array | undefined;
        clock.beginRead();
        try {
          bytes = await reader.read();
        } catch (error) {
          throw cut(clock.mapError(error, this.proxy));
        } finally {
          clock.endRead();
        }
        const events = bytes === undefined ? decoder.end() : decoder.push(bytes);
        for (const event of events) {
          const what = interpretChatEvent(event);
          if (what.kind === 'chunk') {
            const chunk = what.value as ChatCompletionChunk;
            acc.add(chunk);
            yield chunk;
          } else if (what.kind === 'done') {
            sawDone = true;
            break read;
          } else if (what.kind === 'error') {
            throw cut(errorFromStreamFrame(what.data, headers, this.#secrets));
          } else if (what.kind === 'malformed') {
            throw cut(
              new ServerError({
                status: meta.status,
                headers,
                requestId: meta.upstreamRequestId,
                upstreamMessage: `a stream chunk was not valid JSON (${what.data.slice(0, 80)})`,
                cause: what.error,
              }),
            );
          }
        }
        if (bytes === undefined) break;
      }
      if (!sawDone && !acc.finished) {
        throw cut(
          new ConnectionError({
            host: this.#host,
            reason: 'STREAM_ENDED_EARLY',
            upstreamMessage: 'the stream closed before [DONE]',
            headers,
          }),
        );
      }
      finished = true;
      this.#estimate(meta, request, acc);
    } finally {
      clock.dispose();
      // Done, failed, or the consumer stopped early: close the body so the upstream stops generating.
      reader.cancel();
      if (!finished && meta.usage === undefined) this.#estimate(meta, request, acc);
    }
  }

  #estimate(meta: UpstreamMeta, request: ChatRequest, acc: CompletionAccumulator): void {
    if (acc.usage) {
      meta.usage = acc.usage;
      meta.usageEstimated = false;
    } else {
      meta.usage = estimateUsage(request, acc.generatedText);
      meta.usageEstimated = true;
    }
  }
}

async function* replay(chunks: ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  yield* chunks;
}

function ok(response: WireResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (!value) return out;
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
