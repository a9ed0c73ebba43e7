/** Per-caller limits, enforced as token buckets refilled continuously over a minute. */
export interface RateLimits {
  /** Requests per minute; absent or 0 = no limit. */
  requestsPerMinute?: number;
  /** Tokens per minute (worst case of each call: prompt + maximum output); absent or 0 = no limit. */
  tokensPerMinute?: number;
}

/** The answer of a rate limiter. */
export type RateDecision =
  | { ok: true }
  | {
      ok: false;
      /** Which bucket was short. */
      limit: 'requests' | 'tokens';
      /** When the call would fit; null when it never can (it asks for more than a whole minute's worth). */
      retryAfterMs: number | null;
    };

/**
 * Token buckets by caller. `take` is atomic: it takes from both buckets or from neither. The Redis
 * implementation shares the buckets among gateway instances.
 */
export interface RateLimiter {
  take(caller: string, cost: { requests: number; tokens: number }, limits: RateLimits): Promise<RateDecision>;
  /** Gives tokens back (a settled call used fewer than its worst case). */
  giveBack(caller: string, tokens: number, limits: RateLimits): Promise<void>;
  close(): Promise<void>;
}
