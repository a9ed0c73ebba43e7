import { goDuration } from './go-duration.js';
import { apiError, type EmulatedError } from './openai-errors.js';

interface Bucket {
  requests: number;
  tokens: number;
  at: number;
}

export interface RateLimitDecision {
  headers: Record<string, string>;
  error?: EmulatedError;
}

const MINUTE = 60_000;

/**
 * Per-key RPM/TPM buckets that refill continuously, as OpenAI's limits do. A request costs one
 * request and (prompt tokens + the requested completion limit) tokens.
 */
export class RateLimiter {
  readonly #rpm: number | undefined;
  readonly #tpm: number | undefined;
  readonly #now: () => number;
  readonly #organization: string;
  readonly #buckets = new Map<string, Bucket>();

  constructor(rpm: number | undefined, tpm: number | undefined, now: () => number, organization: string) {
    this.#rpm = rpm;
    this.#tpm = tpm;
    this.#now = now;
    this.#organization = organization;
  }

  get enabled(): boolean {
    return this.#rpm !== undefined || this.#tpm !== undefined;
  }

  take(key: string, model: string, tokens: number): RateLimitDecision {
    const rpm = this.#rpm ?? Number.POSITIVE_INFINITY;
    const tpm = this.#tpm ?? Number.POSITIVE_INFINITY;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { requests: rpm, tokens: tpm, at: now };
      if (this.#buckets.size > 10_000) this.#buckets.clear();
      this.#buckets.set(key, bucket);
    }
    const elapsed = Math.max(0, now - bucket.at);
    bucket.requests = Math.min(rpm, bucket.requests + (elapsed * rpm) / MINUTE);
    bucket.tokens = Math.min(tpm, bucket.tokens + (elapsed * tpm) / MINUTE);
    bucket.at = now;

    let error: EmulatedError | undefined;
    if (tokens > tpm) {
      error = this.#error(
        `Request too large for ${model} in organization ${this.#organization} on tokens per min (TPM): Limit ${tpm}, Requested ${tokens}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'tokens',
        undefined,
      );
    } else if (bucket.requests < 1) {
      const wait = Math.ceil(((1 - bucket.requests) * MINUTE) / rpm);
      error = this.#error(
        `Rate limit reached for ${model} in organization ${this.#organization} on requests per min (RPM): Limit ${rpm}, Used ${rpm - Math.floor(bucket.requests)}, Requested 1. Please try again in ${goDuration(wait)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'requests',
        wait,
      );
    } else if (bucket.tokens < tokens) {
      const wait = Math.ceil(((tokens - bucket.tokens) * MINUTE) / tpm);
      error = this.#error(
        `Rate limit reached for ${model} in organization ${this.#organization} on tokens per min (TPM): Limit ${tpm}, Used ${tpm - Math.floor(bucket.tokens)}, Requested ${tokens}. Please try again in ${goDuration(wait)}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'tokens',
        wait,
      );
    } else {
      bucket.requests -= 1;
      bucket.tokens -= tokens;
    }
    const headers = this.#headers(bucket, rpm, tpm);
    if (error) error.headers = { ...headers, ...error.headers };
    return error ? { headers, error } : { headers };
  }

  #error(message: string, type: 'requests' | 'tokens', waitMs: number | undefined): EmulatedError {
    const error = apiError(429, message, type, null, 'rate_limit_exceeded');
    if (waitMs !== undefined) {
      error.headers = {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
        'retry-after-ms': String(waitMs),
      };
    }
    return error;
  }

  #headers(bucket: Bucket, rpm: number, tpm: number): Record<string, string> {
    const headers: Record<string, string> = {};
    if (Number.isFinite(rpm)) {
      headers['x-ratelimit-limit-requests'] = String(rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(bucket.requests)));
      headers['x-ratelimit-reset-requests'] = goDuration(Math.ceil(((rpm - bucket.requests) * MINUTE) / rpm));
    }
    if (Number.isFinite(tpm)) {
      headers['x-ratelimit-limit-tokens'] = String(tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(bucket.tokens)));
      headers['x-ratelimit-reset-tokens'] = goDuration(Math.ceil(((tpm - bucket.tokens) * MINUTE) / tpm));
    }
    return headers;
  }
}
