import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { type LoadSettingsOptions, loadSettings, type Settings } from '../config/index.js';
import {
  type FetchLike,
  type LoggerLike,
  NEVER_ABORTED,
  type ProxySettings,
  type Timeouts,
  Upstream,
  type UpstreamCallOptions,
  UpstreamError,
  type UpstreamMeta,
} from '../openai/index.js';
import type { ChatCompletion, ChatRequest, ModelObject } from '../openai/wire-types.js';
import {
  type AttemptEvent,
  type CallContext,
  type ChatCall,
  compose,
  createRetryStage,
  type RetryOptions,
  type Stage,
} from '../pipeline/index.js';
import { ChatStream } from './chat-stream.js';

/** Options of {@link createClient}. Anything left out comes from the settings (environment, `.env`, config file). */
export interface ClientOptions {
  /** API key. @default settings `openai.apiKey` (`OPENAI_API_KEY`) */
  apiKey?: string;
  /** Base URL ending in `/v1`. @default settings `openai.baseUrl` (`OPENAI_BASE_URL`, `OPENAI_API_BASE`), else `https://api.openai.com/v1` */
  baseUrl?: string;
  /** `OpenAI-Organization`. @default settings `openai.orgId` (`OPENAI_ORG_ID`) */
  organization?: string;
  /** `OpenAI-Project`. @default settings `openai.projectId` (`OPENAI_PROJECT_ID`) */
  project?: string;
  /** Model used when a request names none. @default settings `model` (`STEADYCHAT_MODEL`), else `gpt-4o-mini` */
  model?: string;
  /** Extra headers on every request (custom gateways, emulator fault injection). */
  headers?: Record<string, string>;
  /** Connect / first byte / idle / total timeouts in ms. @default settings `timeouts` (10000 / 60000 / 30000 / 600000) */
  timeouts?: Partial<Timeouts>;
  /** Retries after the first attempt. @default settings `maxRetries` (`STEADYCHAT_MAX_RETRIES`), else 2 */
  maxRetries?: number;
  /** Backoff and wait caps (see {@link RetryOptions}). */
  retry?: Omit<RetryOptions, 'onAttempt' | 'maxRetries'>;
  /** Proxy. @default settings `proxy` (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`) */
  proxy?: ProxySettings;
  /** A fetch to send with instead of undici's (test seam; the connect timeout is then its own). */
  fetch?: FetchLike;
  /** An undici dispatcher (replaces steadychat's own, including the proxy agent). */
  dispatcher?: Dispatcher;
  /**
   * Ask streams for a usage chunk (`stream_options.include_usage`); set false for providers that
   * reject the field. Usage is then estimated with the tokenizer.
   * @default true
   */
  streamUsage?: boolean;
  /** Extra pipeline stages (usage, budget, rate limit, redaction, cache…), outermost first, run outside retry. */
  stages?: Stage[];
  /** Called once per upstream attempt (number, error, wait, usage, request id, latency). */
  onAttempt?: (event: AttemptEvent) => void;
  /** A pino-style logger (attempts at debug, retries at warn). The key is never logged. @default none */
  logger?: LoggerLike;
  /**
   * The settings to fall back on; `false` uses only the options given here and built-in defaults.
   * @default loadSettings({ env, cwd })
   */
  settings?: Settings | false;
  /** Environment for loading the settings. @default process.env */
  env?: Record<string, string | undefined>;
  /** Working directory for loading the settings (`.env`, config file). @default process.cwd() */
  cwd?: string;
}

/** Per-call options; each overrides the client's. */
export interface CallOptions {
  /** Aborts the call: the request, any wait between retries, and the stream. */
  signal?: AbortSignal;
  timeouts?: Partial<Timeouts>;
  maxRetries?: number;
  retry?: Omit<RetryOptions, 'onAttempt' | 'maxRetries'>;
  /** Called once per attempt of this call (in addition to the client's). */
  onAttempt?: (event: AttemptEvent) => void;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  streamUsage?: boolean;
  /** Who the call is for (read by usage, budget and rate-limit stages). */
  context?: Partial<CallContext>;
}

/** A chat request whose `model` may be left to the client's default. */
export type ChatInput = { [K in keyof ChatRequest as K extends 'model' ? never : K]: ChatRequest[K] } & {
  model?: string;
};

/** What the upstream said besides the body: request id, headers, attempts, latency, usage. */
export type ChatMeta = UpstreamMeta;

/** A completion, with its meta on a non-enumerable `meta` property (so JSON output stays wire-exact). */
export type ChatResult = ChatCompletion & { readonly meta: ChatMeta };

/** The resilient chat client. */
export interface ChatClient {
  /** Send a chat request: a completion, or for `stream: true` a {@link ChatStream}. */
  chat(request: ChatInput & { stream: true }, options?: CallOptions): Promise<ChatStream>;
  chat(request: ChatInput & { stream?: false | null }, options?: CallOptions): Promise<ChatResult>;
  chat(request: ChatInput, options?: CallOptions): Promise<ChatResult | ChatStream>;
  /** `GET /models`: the models this key can use. */
  listModels(options?: Pick<CallOptions, 'signal' | 'timeouts' | 'headers'>): Promise<{
    models: ModelObject[];
    meta: ChatMeta;
  }>;
  /** Effective base URL. */
  readonly baseUrl: string;
  /** Default model. */
  readonly model: string;
  /** The proxy in use for the base URL (credentials masked), if any. */
  readonly proxy: string | undefined;
  /** Effective timeouts. */
  readonly timeouts: Timeouts;
  /** Effective retry count. */
  readonly maxRetries: number;
  /** Close the connections the client opened. */
  close(): Promise<void>;
}

/**
 * Create the resilient client: settings (or the given options) resolved once; each call goes through
 * the pipeline `...stages → retry → upstream`.
 */
export function createClient(options: ClientOptions = {}): ChatClient {
  const settings = resolveSettings(options);
  const proxy: ProxySettings = options.proxy ?? {
    httpsProxy: settings?.proxy.httpsProxy,
    httpProxy: settings?.proxy.httpProxy,
    noProxy: settings?.proxy.noProxy,
  };
  const upstream = new Upstream({
    baseUrl: options.baseUrl ?? settings?.openai.baseUrl ?? 'https://api.openai.com/v1',
    apiKey: options.apiKey ?? settings?.openai.apiKey,
    organization: options.organization ?? settings?.openai.orgId,
    project: options.project ?? settings?.openai.projectId,
    headers: options.headers,
    timeouts: { ...settings?.timeouts, ...options.timeouts },
    proxy,
    fetch: options.fetch,
    dispatcher: options.dispatcher,
    streamUsage: options.streamUsage,
    logger: options.logger,
  });
  const model = options.model ?? settings?.model ?? 'gpt-4o-mini';
  const maxRetries = options.maxRetries ?? settings?.maxRetries ?? 2;
  const logger = options.logger;
  const pipeline = compose(
    [...(options.stages ?? []), createRetryStage({ ...options.retry, maxRetries })],
    upstream.chat,
  );

  const chat = async (input: ChatInput, callOptions: CallOptions = {}): Promise<ChatResult | ChatStream> => {
    const request = { ...input, model: input.model ?? model } as ChatRequest;
    const timeouts = upstream.timeoutsFor(callOptions.timeouts);
    const userSignal = callOptions.signal;
    // A stream needs its own controller (for `stream.abort()`); a plain call can use the caller's
    // signal as is. AbortController creation is costly on Node 20, so none is made when not needed.
    let controller: AbortController | undefined;
    let signal: AbortSignal;
    let detach = () => {};
    if (request.stream === true) {
      const own = new AbortController();
      controller = own;
      signal = own.signal;
      const onUserAbort = () => own.abort(userSignal?.reason);
      if (userSignal?.aborted) own.abort(userSignal.reason);
      else if (userSignal) {
        userSignal.addEventListener('abort', onUserAbort, { once: true });
        detach = () => userSignal.removeEventListener('abort', onUserAbort);
      }
    } else {
      signal = userSignal ?? NEVER_ABORTED;
    }
    const observers = [options.onAttempt, callOptions.onAttempt].filter((f) => f !== undefined);
    const upstreamOptions: UpstreamCallOptions = { timeouts };
    if (timeouts.totalMs > 0) upstreamOptions.deadline = Date.now() + timeouts.totalMs;
    if (callOptions.headers) upstreamOptions.headers = callOptions.headers;
    if (callOptions.streamUsage !== undefined) upstreamOptions.streamUsage = callOptions.streamUsage;
    const retry: RetryOptions = {
      ...callOptions.retry,
      onAttempt: (event) => {
        logAttempt(logger, event);
        for (const observe of observers) observe(event);
      },
    };
    if (callOptions.maxRetries !== undefined) retry.maxRetries = callOptions.maxRetries;
    const call: ChatCall = {
      request,
      signal,
      context: { requestId: randomUUID(), ...callOptions.context },
      options: { upstream: upstreamOptions, retry },
    };
    let response: Awaited<ReturnType<typeof pipeline>>;
    try {
      response = await pipeline(call);
    } catch (error) {
      detach();
      throw error;
    }
    const meta = response.meta as UpstreamMeta;
    if (response.type === 'completion') {
      detach();
      const result = response.completion as ChatResult;
      Object.defineProperty(result, 'meta', { value: meta, enumerable: false, configurable: true });
      return result;
    }
    return new ChatStream(response.stream, meta, controller ?? new AbortController(), detach);
  };

  return {
    chat: chat as ChatClient['chat'],
    async listModels(callOptions = {}) {
      const { body, meta } = await upstream.requestJson<{ data?: ModelObject[] }>('GET', '/models', {
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        ...(callOptions.timeouts ? { timeouts: callOptions.timeouts } : {}),
        ...(callOptions.headers ? { headers: callOptions.headers } : {}),
      });
      return { models: Array.isArray(body.data) ? body.data : [], meta };
    },
    baseUrl: upstream.baseUrl,
    model,
    get proxy() {
      return upstream.proxy;
    },
    timeouts: upstream.timeoutsFor(),
    maxRetries,
    close: () => upstream.close(),
  };
}

function resolveSettings(options: ClientOptions): Settings | undefined {
  if (options.settings === false) return undefined;
  if (options.settings) return options.settings;
  const load: LoadSettingsOptions = {};
  if (options.env) load.env = options.env;
  if (options.cwd) load.cwd = options.cwd;
  return loadSettings(load);
}

function logAttempt(logger: LoggerLike | undefined, event: AttemptEvent): void {
  if (!logger) return;
  const fields = {
    attempt: event.attempt,
    model: event.request.model,
    latencyMs: event.latencyMs,
    ...(event.status === undefined ? {} : { status: event.status }),
    ...(event.requestId ? { requestId: event.requestId } : {}),
    ...(event.usage ? { usage: event.usage, usageEstimated: event.usageEstimated } : {}),
    ...(event.error instanceof UpstreamError ? { code: event.error.code, error: event.error.message } : {}),
    ...(event.willRetry ? { retryInMs: event.delayMs, delaySource: event.delaySource } : {}),
  };
  if (event.willRetry) logger.warn(fields, 'upstream attempt failed; retrying');
  else logger.debug(fields, event.error ? 'upstream attempt failed' : 'upstream attempt done');
}
