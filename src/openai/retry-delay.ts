/** Parse a Go duration as OpenAI sends in `x-ratelimit-reset-*` (`6m0s`, `1.5s`, `120ms`, `1h0m0s`). */
export function parseGoDuration(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (!/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) {
    const n = Number(text);
    return text !== '' && Number.isFinite(n) && n >= 0 ? n * 1000 : undefined;
  }
  const unit: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    us: 0.001,
    µs: 0.001,
    ns: 1e-6,
  };
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(match[1]) * (unit[match[2] ?? 's'] ?? 0);
  }
  return total;
}

/** Where a retry delay came from. */
export type RetryDelaySource = 'retry-after-ms' | 'retry-after' | 'ratelimit-reset' | 'backoff';

/**
 * The wait the server asked for, in ms: `retry-after-ms`, else `retry-after` (seconds or an HTTP
 * date), else the `x-ratelimit-reset-*` hint (the later of requests / tokens). Undefined when none.
 */
export function serverRetryDelay(
  headers: Record<string, string>,
  now: number = Date.now(),
): { ms: number; source: RetryDelaySource } | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined) {
    const n = Number(ms);
    if (ms.trim() !== '' && Number.isFinite(n) && n >= 0) return { ms: n, source: 'retry-after-ms' };
  }
  const after = headers['retry-after'];
  if (after !== undefined && after.trim() !== '') {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return { ms: seconds * 1000, source: 'retry-after' };
    const date = Date.parse(after);
    if (Number.isFinite(date)) return { ms: Math.max(0, date - now), source: 'retry-after' };
  }
  const resets = [headers['x-ratelimit-reset-requests'], headers['x-ratelimit-reset-tokens']]
    .map(parseGoDuration)
    .filter((x): x is number => x !== undefined);
  const remaining = [headers['x-ratelimit-remaining-requests'], headers['x-ratelimit-remaining-tokens']];
  // Only the exhausted dimension matters; when neither says 0, take the shorter hint.
  if (resets.length > 0) {
    const exhausted = [headers['x-ratelimit-reset-requests'], headers['x-ratelimit-reset-tokens']]
      .map((v, i) => (remaining[i] === '0' ? parseGoDuration(v) : undefined))
      .filter((x): x is number => x !== undefined);
    const pick = exhausted.length > 0 ? Math.max(...exhausted) : Math.min(...resets);
    return { ms: pick, source: 'ratelimit-reset' };
  }
  return undefined;
}

/** {@link serverRetryDelay} in ms only. */
export function serverRetryDelayMs(headers: Record<string, string>, now?: number): number | undefined {
  return serverRetryDelay(headers, now)?.ms;
}

/** Options of {@link backoffDelay}. */
export interface BackoffOptions {
  /** First backoff ceiling. @default 500 */
  baseDelayMs?: number;
  /** Largest backoff ceiling. @default 8000 */
  maxBackoffMs?: number;
  /** Random source in [0, 1). @default Math.random */
  random?: () => number;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(retry-1))). */
export function backoffDelay(retry: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? 500;
  const max = options.maxBackoffMs ?? 8000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, retry - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
