import { SteadyChatError } from '../errors/index.js';

/**
 * The shared rate-limit store (Redis, or the primary process of a multi-process gateway) did not
 * answer: the call is refused (rate limits fail closed).
 */
export class RateLimitStoreError extends SteadyChatError {
  /** HTTP status the gateway answers with. */
  readonly status = 503;

  constructor(location: string, cause: unknown, what: { store?: string; hint?: string } = {}) {
    super(
      'rate_limit_store_unavailable',
      `Cannot reach ${what.store ?? 'Redis'} at ${location} to check rate limits, so the call was refused (rate limits fail closed): ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
        hint:
          what.hint ??
          'Check that Redis runs and STEADYCHAT_REDIS_URL points to it, or unset it to keep limits in memory.',
      },
    );
  }
}
