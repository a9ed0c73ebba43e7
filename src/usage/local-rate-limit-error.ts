import { SteadyChatError } from '../errors/index.js';

/**
 * A caller went over its own requests-per-minute or tokens-per-minute limit (set in steadychat, not
 * upstream). Carries when to retry. The gateway answers it with HTTP 429 and `Retry-After`.
 */
export class LocalRateLimitError extends SteadyChatError {
  /** HTTP status the gateway answers with. */
  readonly status = 429;
  /** Which limit was hit. */
  readonly limit: 'requests' | 'tokens';
  /** Milliseconds until the call would fit; null when it never can (larger than the per-minute limit). */
  readonly retryAfterMs: number | null;
  /** The caller the limit applies to. */
  readonly caller: string;

  constructor(caller: string, limit: 'requests' | 'tokens', retryAfterMs: number | null, perMinute: number) {
    const what = limit === 'requests' ? `${perMinute} requests per minute` : `${perMinute} tokens per minute`;
    super(
      'local_rate_limited',
      retryAfterMs === null
        ? `Rate limit: this call needs more tokens than the whole limit of ${what} for ${caller}; it can never fit. Lower max_tokens or shorten the prompt, or raise the limit.`
        : `Rate limit: ${caller} is over its limit of ${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s, or raise the limit.`,
      {
        hint:
          retryAfterMs === null
            ? 'Lower max_tokens or shorten the prompt, or raise the tokens-per-minute limit.'
            : 'Wait and retry, or raise the limit.',
      },
    );
    this.limit = limit;
    this.retryAfterMs = retryAfterMs;
    this.caller = caller;
  }

  /** Seconds for a `Retry-After` header (absent when retrying cannot help). */
  get retryAfterSeconds(): number | undefined {
    return this.retryAfterMs === null ? undefined : Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }

  /** OpenAI's error envelope for this refusal. */
  toErrorBody(): { error: { message: string; type: string; param: null; code: string } } {
    return { error: { message: this.message, type: 'requests', param: null, code: 'rate_limit_exceeded' } };
  }
}
