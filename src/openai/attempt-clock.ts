import { AbortedError, ConnectionError, TimeoutError, type UpstreamError } from './upstream-errors.js';

/** The four deadlines of an upstream call, in ms (0 disables one). */
export interface Timeouts {
  /**
   * Opening the connection (TCP, TLS, proxy tunnel). Env `STEADYCHAT_CONNECT_TIMEOUT_MS`.
   * Enforced by steadychat's own dispatcher; with a custom `fetch` only `firstByteMs` bounds it.
   * @default 10000
   */
  connectMs: number;
  /** From sending the request to the response headers. Env `STEADYCHAT_FIRST_BYTE_TIMEOUT_MS`. @default 60000 */
  firstByteMs: number;
  /** Longest silence between two reads of the body (reset on every chunk). Env `STEADYCHAT_IDLE_TIMEOUT_MS`. @default 30000 */
  idleMs: number;
  /** The whole call, retries and waits included. Env `STEADYCHAT_TOTAL_TIMEOUT_MS`. @default 600000 */
  totalMs: number;
}

/** Defaults, the same as the settings' (see docs/client.md). */
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = Object.freeze({
  connectMs: 10_000,
  firstByteMs: 60_000,
  idleMs: 30_000,
  totalMs: 600_000,
});

/** A signal that never aborts: calls without a caller signal use it, and nobody listens to it. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/**
 * The clock of one upstream attempt: one AbortController that the caller's signal, the first-byte
 * timer, the idle timer (armed only while waiting on the upstream, so a slow consumer is not
 * mistaken for a stalled stream) and the call's total deadline all abort with a typed reason.
 */
export class AttemptClock {
  #controller: AbortController | undefined;
  #listeners: (() => void)[] = [];
  #aborted = false;
  /**
   * An EventTarget-shaped abort signal for undici's `dispatcher.request()`, which accepts one: a real
   * AbortController costs several microseconds to create on Node 20, on every attempt.
   */
  readonly lightSignal = {
    aborted: false,
    reason: undefined as unknown,
    addEventListener: (_type: string, listener: () => void) => {
      this.#listeners.push(listener);
    },
    removeEventListener: (_type: string, listener: () => void) => {
      const i = this.#listeners.indexOf(listener);
      if (i !== -1) this.#listeners.splice(i, 1);
    },
  };
  #reason: UpstreamError | undefined;
  #firstByte: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #total: NodeJS.Timeout | undefined;
  #waiting = false;
  #bodyStarted = false;
  readonly #userSignal: AbortSignal;
  readonly #onUserAbort = () => this.#abort(new AbortedError());

  constructor(
    userSignal: AbortSignal,
    readonly timeouts: Timeouts,
    /** Epoch ms at which the whole call must be over (the total deadline), or undefined. */
    deadline: number | undefined,
    readonly host: string,
  ) {
    this.#userSignal = userSignal;
    if (userSignal.aborted) {
      this.#abort(new AbortedError());
      return;
    }
    if (userSignal !== NEVER_ABORTED) userSignal.addEventListener('abort', this.#onUserAbort, { once: true });
    if (deadline !== undefined) {
      const left = Math.max(0, deadline - Date.now());
      this.#total = setTimeout(
        () => this.#abort(new TimeoutError('total', timeouts.totalMs, { host })),
        left,
      ).unref();
    }
    if (timeouts.firstByteMs > 0) {
      this.#firstByte = setTimeout(
        () => this.#abort(new TimeoutError('firstByte', timeouts.firstByteMs, { host })),
        timeouts.firstByteMs,
      ).unref();
    }
  }

  /** A real AbortSignal (for `fetch`), made on first use. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** The typed reason the attempt was aborted, if it was. */
  get reason(): UpstreamError | undefined {
    return this.#reason;
  }

  /**
   * Response headers arrived. The first-byte deadline keeps running until the body's first bytes:
   * a stream's headers come at once, its first chunk only when the model starts answering (which
   * can take long for reasoning models), and that wait must not be judged by the idle timeout.
   */
  headersArrived(): void {}

  /** About to wait on the upstream for body bytes: arm (or re-arm) the idle timer, once the body has started. */
  beginRead(): void {
    if (!this.#bodyStarted || this.timeouts.idleMs <= 0) return;
    this.#waiting = true;
    if (this.#idle === undefined) {
      this.#idle = setTimeout(() => {
        if (this.#waiting) this.#abort(new TimeoutError('idle', this.timeouts.idleMs, { host: this.host }));
      }, this.timeouts.idleMs).unref();
    } else {
      this.#idle.refresh();
    }
  }

  /** A read returned (`gotBytes`: with data, or the body ended): the idle timer stops counting. */
  endRead(gotBytes = true): void {
    this.#waiting = false;
    if (gotBytes && !this.#bodyStarted) {
      this.#bodyStarted = true;
      if (this.#firstByte) clearTimeout(this.#firstByte);
      this.#firstByte = undefined;
    }
  }

  /**
   * Stop every timer and detach from the caller's signal. Idempotent. (The timers are unref'd: the
   * pending request's socket keeps the process alive, an abandoned stream does not.)
   */
  dispose(): void {
    if (this.#firstByte) clearTimeout(this.#firstByte);
    if (this.#idle) clearTimeout(this.#idle);
    if (this.#total) clearTimeout(this.#total);
    this.#firstByte = this.#idle = this.#total = undefined;
    if (this.#userSignal !== NEVER_ABORTED) this.#userSignal.removeEventListener('abort', this.#onUserAbort);
  }

  /** Abort the attempt with a typed reason (first reason wins). */
  abort(reason: UpstreamError): void {
    this.#abort(reason);
  }

  /** Turn whatever fetch or a body read threw into the typed error it stands for. */
  mapError(error: unknown, proxy?: string): UpstreamError {
    if (this.#reason) return this.#reason;
    if (this.#userSignal.aborted) return new AbortedError({ cause: error });
    const cause = (error as { cause?: unknown })?.cause ?? error;
    const code = errorCode(cause) ?? errorCode(error);
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new TimeoutError('connect', this.timeouts.connectMs, { host: this.host, cause: error });
    }
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      return new TimeoutError('firstByte', this.timeouts.firstByteMs, { host: this.host, cause: error });
    }
    if (code === 'UND_ERR_BODY_TIMEOUT') {
      return new TimeoutError('idle', this.timeouts.idleMs, { host: this.host, cause: error });
    }
    const detail = (cause as { message?: string })?.message;
    return new ConnectionError({
      host: this.host,
      reason: code ?? (cause as { name?: string })?.name,
      ...(proxy ? { proxy } : {}),
      ...(detail && detail !== 'fetch failed' ? { upstreamMessage: detail } : {}),
      cause: error,
    });
  }

  #abort(reason: UpstreamError): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#aborted = true;
    this.lightSignal.aborted = true;
    this.lightSignal.reason = reason;
    this.dispose();
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}

function errorCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // An AggregateError (happy eyeballs) carries the codes of its parts.
  const errors = (error as { errors?: unknown[] }).errors;
  if (Array.isArray(errors)) for (const e of errors) if (errorCode(e)) return errorCode(e);
  return undefined;
}
