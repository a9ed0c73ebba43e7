import {
  ConnectionError,
  HttpStatusError,
  RateLimitError,
  ServerError,
  TimeoutError,
  UpstreamError,
} from './upstream-errors.js';

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);

/**
 * Whether a failed attempt may be repeated: connection failures, timeouts before the first chunk,
 * 408, 409, 429 rate limits (never `insufficient_quota`), 500, 502, 503, 504. An `x-should-retry`
 * header from the server wins over the status rule. Anything not an {@link UpstreamError} (for
 * example a budget refusal from another stage) is never retried.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  const should = error.headers['x-should-retry'];
  if (should === 'false') return false;
  if (should === 'true' && error.status !== undefined) return true;
  if (error instanceof ConnectionError) return true;
  if (error instanceof TimeoutError) return error.phase !== 'total';
  if (error instanceof RateLimitError) return true;
  if (error instanceof ServerError) return error.status === undefined || RETRYABLE_STATUS.has(error.status);
  if (error instanceof HttpStatusError)
    return error.status !== undefined && RETRYABLE_STATUS.has(error.status);
  return false;
}
