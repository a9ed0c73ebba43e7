import {
  AbortedError,
  backoffDelay,
  isRetryable,
  type RetryDelaySource,
  serverRetryDelay,
  UpstreamError,
  type UpstreamMeta,
} from '../openai/index.js';
import type { ChatCompletionChunk, ChatRequest, Usage } from '../openai/wire-types.js';
import type { CallContext, ChatResponse, Stage } from './stage.js';

/** One upstream attempt, reported when its outcome is known (for a stream: when the stream ends). */
export interface AttemptEvent {
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** The failure, when the attempt failed. */
  error?: unknown;
  /** Whether another attempt follows this one. */
  willRetry: boolean;
  /** The wait before the next attempt, when one follows. */
  delayMs?: number;
  /** Where that wait came from (server header or backoff). */
  delaySource?: RetryDelaySource;
  /** Usage of this attempt when known (estimated when `usageEstimated`). */
  usage?: Usage;
  usageEstimated?: boolean;
  /** Upstream `x-request-id`. */
  requestId?: string;
  /** HTTP status, when the upstream answered. */
  status?: number;
  /** Milliseconds from the start of the attempt to its outcome. */
  latencyMs: number;
  request: ChatRequest;
  context: CallContext;
}

/** Retry policy. Per call, `call.options.retry` may override any field. */
export interface RetryOptions {
  /**
   * Retries after the first attempt. Env `STEADYCHAT_MAX_RETRIES`.
   * @default 2
   */
  maxRetries?: number;
  /** First backoff ceiling (full jitter: the wait is uniform below it). @default 500 */
  baseDelayMs?: number;
  /** Largest backoff ceiling. @default 8000 */
  maxBackoffMs?: number;
  /**
   * Longest single wait. A server asking for longer (e.g. a 6-minute token reset) is not retried:
   * the error carries the wait instead.
   * @default 60000
   */
  maxDelayMs?: number;
  /** Most time spent waiting between attempts, all waits together. @default 120000 */
  maxRetryTimeMs?: number;
  /** Called once per attempt (the usage ledger records every attempt from here). */
  onAttempt?: (event: AttemptEvent) => void;
  /** Random source in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
}

/** Retry state a stage further in can read: `call.options.attempt` (1-based). */
export const ATTEMPT_OPTION = 'attempt';

/**
 * The retry stage: repeats a failed attempt when the error allows it (see `isRetryable`), waiting what
 * the server asked (`retry-after-ms`, `retry-after`, `x-ratelimit-reset-*`) or an exponential backoff
 * with full jitter. A stream is retried only until its first chunk: the stage reads that chunk before
 * handing the stream on, so nothing reaches the caller twice. An abort ends any wait at once.
 */
export function createRetryStage(defaults: RetryOptions = {}): Stage {
  return async (call, next) => {
    const options = { ...defaults, ...((call.options.retry ?? {}) as RetryOptions) };
    const maxRetries = options.maxRetries ?? 2;
    const maxDelayMs = options.maxDelayMs ?? 60_000;
    const maxRetryTimeMs = options.maxRetryTimeMs ?? 120_000;
    const deadline = (call.options.upstream as { deadline?: number } | undefined)?.deadline;
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const report = (event: Omit<AttemptEvent, 'attempt' | 'latencyMs' | 'request' | 'context'>) => {
        safeReport(options.onAttempt, {
          attempt,
          latencyMs: Math.round(performance.now() - started),
          request: call.request,
          context: call.context,
          ...event,
        });
      };
      let failure: unknown;
      try {
        const response = await next({ ...call, options: { ...call.options, [ATTEMPT_OPTION]: attempt } });
        response.meta.attempts = attempt;
        if (response.type === 'completion') {
          report(metaFields(response.meta));
          return response;
        }
        const iterator = response.stream[Symbol.asyncIterator]();
        const first = await iterator.next();
        return {
          type: 'stream',
          stream: observe(first, iterator, response.meta, attempt, report),
          meta: response.meta,
        };
      } catch (error) {
        failure = error;
      }
      if (call.signal.aborted && !(failure instanceof AbortedError))
        failure = new AbortedError({ cause: failure });
      const delay = retryDelay(failure, attempt, options);
      const stop =
        failure instanceof AbortedError ||
        attempt > maxRetries ||
        !isRetryable(failure) ||
        delay.ms > maxDelayMs ||
        waited + delay.ms > maxRetryTimeMs ||
        (deadline !== undefined && Date.now() + delay.ms >= deadline);
      report({
        error: failure,
        willRetry: !stop,
        ...(stop ? {} : { delayMs: delay.ms, delaySource: delay.source }),
        ...errorFields(failure),
      });
      if (stop) {
        if (failure instanceof UpstreamError) failure.setAttempts(attempt);
        throw failure;
      }
      try {
        await sleep(delay.ms, call.signal);
      } catch {
        throw new AbortedError({ cause: failure }).setAttempts(attempt);
      }
      waited += delay.ms;
    }
  };
}

function retryDelay(
  error: unknown,
  attempt: number,
  options: RetryOptions,
): { ms: number; source: RetryDelaySource } {
  const server = error instanceof UpstreamError ? serverRetryDelay(error.headers) : undefined;
  if (server) return { ms: Math.ceil(server.ms), source: server.source };
  return {
    ms: backoffDelay(attempt, {
      ...(options.baseDelayMs === undefined ? {} : { baseDelayMs: options.baseDelayMs }),
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
      ...(options.random === undefined ? {} : { random: options.random }),
    }),
    source: 'backoff',
  };
}

async function* observe(
  first: IteratorResult<ChatCompletionChunk>,
  iterator: AsyncIterator<ChatCompletionChunk>,
  meta: UpstreamMeta | ChatResponse['meta'],
  attempt: number,
  report: (event: Omit<AttemptEvent, 'attempt' | 'latencyMs' | 'request' | 'context'>) => void,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let reported = false;
  try {
    if (first.done) {
      reported = true;
      report(metaFields(meta));
      return;
    }
    yield first.value;
    while (true) {
      const result = await iterator.next();
      if (result.done) break;
      yield result.value;
    }
    reported = true;
    report(metaFields(meta));
  } catch (error) {
    reported = true;
    if (error instanceof UpstreamError) error.setAttempts(attempt);
    report({ ...metaFields(meta), ...errorFields(error), error, willRetry: false });
    throw error;
  } finally {
    if (!reported) {
      // The consumer stopped early: close the upstream stream, then report what was used.
      await iterator.return?.();
      report({ ...metaFields(meta), error: new AbortedError(), willRetry: false });
    }
  }
}

function metaFields(
  meta: ChatResponse['meta'],
): Omit<AttemptEvent, 'attempt' | 'latencyMs' | 'request' | 'context'> {
  const m = meta as Partial<UpstreamMeta> & ChatResponse['meta'];
  return {
    willRetry: false,
    ...(m.usage ? { usage: m.usage, usageEstimated: m.usageEstimated === true } : {}),
    ...(m.upstreamRequestId ? { requestId: m.upstreamRequestId } : {}),
    ...(m.status === undefined ? {} : { status: m.status }),
  };
}

function errorFields(error: unknown): Partial<AttemptEvent> {
  if (!(error instanceof UpstreamError)) return {};
  const out: Partial<AttemptEvent> = {};
  if (error.requestId) out.requestId = error.requestId;
  if (error.status !== undefined) out.status = error.status;
  const usage = (error as { usage?: Usage }).usage;
  if (usage) {
    out.usage = usage;
    out.usageEstimated = (error as { usageEstimated?: boolean }).usageEstimated === true;
  }
  return out;
}

function safeReport(onAttempt: RetryOptions['onAttempt'], event: AttemptEvent): void {
  if (!onAttempt) return;
  try {
    onAttempt(event);
  } catch {
    // An observer's failure must not change the call's outcome.
  }
}

/** Wait `ms`, or reject at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
