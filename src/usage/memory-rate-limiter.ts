import { type Clock, systemClock } from './period.js';
import type { RateDecision, RateLimiter, RateLimits } from './rate-limiter.js';

interface Bucket {
  level: number;
  at: number;
}

/** Options of {@link createMemoryRateLimiter}. */
export interface MemoryRateLimiterOptions {
  /** @default Date.now */
  clock?: Clock;
  /**
   * Most callers tracked at once; beyond it, the least recently used (whose buckets have refilled
   * the longest) are forgotten, which only ever gives them a full bucket.
   * @default 10000
   */
  maxCallers?: number;
}

/**
 * Token buckets in this process's memory: right for one process (library, CLI, a single gateway).
 * Several gateway instances must share buckets: use {@link createRedisRateLimiter}.
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const clock = options.clock ?? systemClock;
  const maxCallers = options.maxCallers ?? 10_000;
  const buckets = new Map<string, Bucket>();

  function level(key: string, capacity: number, now: number): number {
    const b = buckets.get(key);
    if (!b) return capacity;
    return Math.min(capacity, b.level + ((now - b.at) * capacity) / 60_000);
  }

  function store(key: string, value: number, now: number): void {
    buckets.delete(key);
    buckets.set(key, { level: value, at: now });
    if (buckets.size > maxCallers) {
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
  }

  return {
    async take(caller, cost, limits) {
      const now = clock();
      const checks: Array<['requests' | 'tokens', string, number, number]> = [];
      if (limits.requestsPerMinute)
        checks.push(['requests', `r:${caller}`, limits.requestsPerMinute, cost.requests]);
      if (limits.tokensPerMinute) checks.push(['tokens', `t:${caller}`, limits.tokensPerMinute, cost.tokens]);
      const levels: number[] = [];
      for (const [limit, key, capacity, need] of checks) {
        if (need > capacity) return { ok: false, limit, retryAfterMs: null } satisfies RateDecision;
        const have = level(key, capacity, now);
        if (have < need) {
          return { ok: false, limit, retryAfterMs: Math.ceil(((need - have) * 60_000) / capacity) };
        }
        levels.push(have);
      }
      checks.forEach(([, key, , need], i) => {
        store(key, levels[i]! - need, now);
      });
      return { ok: true };
    },
    async giveBack(caller, tokens, limits: RateLimits) {
      if (!limits.tokensPerMinute || tokens <= 0) return;
      const now = clock();
      const key = `t:${caller}`;
      if (!buckets.has(key)) return;
      store(key, Math.min(limits.tokensPerMinute, level(key, limits.tokensPerMinute, now) + tokens), now);
    },
    async close() {
      buckets.clear();
    },
  };
}
