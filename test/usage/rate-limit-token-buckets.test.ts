import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { compose } from '../../src/pipeline/index.js';
import {
  createBudgetStage,
  createMemoryRateLimiter,
  createRedisRateLimiter,
  createRunawayGuard,
  LocalRateLimitError,
  type RateLimiter,
  RateLimitStoreError,
  RunawayRequestError,
} from '../../src/usage/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function redisAvailable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (error) {
    const reason = `Redis at 127.0.0.1:6379 is not reachable (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI) throw new Error(`${reason}; CI must have it.`);
    console.warn(`Skipping the Redis rate-limit tests: ${reason}.`);
    return false;
  } finally {
    probe.disconnect();
  }
}

describe('memory token buckets', () => {
  it('refuses the request over the per-minute limit and says when to retry', async () => {
    let now = 1_000_000;
    const limiter = createMemoryRateLimiter({ clock: () => now });
    const limits = { requestsPerMinute: 3 };
    for (let i = 0; i < 3; i++)
      expect(await limiter.take('a', { requests: 1, tokens: 0 }, limits)).toEqual({ ok: true });
    const refused = await limiter.take('a', { requests: 1, tokens: 0 }, limits);
    expect(refused).toEqual({ ok: false, limit: 'requests', retryAfterMs: 20_000 });
    // Another caller has its own bucket.
    expect((await limiter.take('b', { requests: 1, tokens: 0 }, limits)).ok).toBe(true);
    now += 20_000;
    expect((await limiter.take('a', { requests: 1, tokens: 0 }, limits)).ok).toBe(true);
  });

  it('takes from both buckets or from neither, and gives unused tokens back', async () => {
    const now = 0;
    const limiter = createMemoryRateLimiter({ clock: () => now });
    const limits = { requestsPerMinute: 10, tokensPerMinute: 1000 };
    expect((await limiter.take('a', { requests: 1, tokens: 900 }, limits)).ok).toBe(true);
    expect(await limiter.take('a', { requests: 1, tokens: 200 }, limits)).toMatchObject({
      ok: false,
      limit: 'tokens',
    });
    await limiter.giveBack('a', 800, limits);
    expect((await limiter.take('a', { requests: 1, tokens: 200 }, limits)).ok).toBe(true);
    expect(await limiter.take('a', { requests: 1, tokens: 5000 }, limits)).toEqual({
      ok: false,
      limit: 'tokens',
      retryAfterMs: null,
    });
  });

  it('forgets the oldest callers instead of growing without bound', async () => {
    const limiter = createMemoryRateLimiter({ maxCallers: 100 });
    for (let i = 0; i < 1000; i++)
      await limiter.take(`c${i}`, { requests: 1, tokens: 0 }, { requestsPerMinute: 1 });
    // c0 was forgotten: it gets a full bucket again; c999 is still limited.
    expect((await limiter.take('c0', { requests: 1, tokens: 0 }, { requestsPerMinute: 1 })).ok).toBe(true);
    expect((await limiter.take('c999', { requests: 1, tokens: 0 }, { requestsPerMinute: 1 })).ok).toBe(false);
  });
});

const hasRedis = await redisAvailable();

describe.skipIf(!hasRedis)('Redis token buckets shared by instances', () => {
  const prefix = `steadychat:test:${randomBytes(4).toString('hex')}:`;
  const limiters: RateLimiter[] = [];
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await Promise.all(limiters.map((l) => l.close()));
  });

  it('enforces one limit across two instances, atomically under concurrency', async () => {
    const a = createRedisRateLimiter({ redis: REDIS_URL, prefix });
    const b = createRedisRateLimiter({ redis: REDIS_URL, prefix });
    limiters.push(a, b);
    const limits = { requestsPerMinute: 20, tokensPerMinute: 100_000 };
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).take('key:k1', { requests: 1, tokens: 10 }, limits),
      ),
    );
    expect(decisions.filter((d) => d.ok)).toHaveLength(20);
    const refused = decisions.find((d) => !d.ok);
    expect(refused).toMatchObject({ ok: false, limit: 'requests' });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect(await a.take('key:k2', { requests: 1, tokens: 10 ** 6 }, limits)).toMatchObject({
      limit: 'tokens',
      retryAfterMs: null,
    });
  });
});

/**
 * The budget stage over an upstream that answers every call with `usage`; `call(keyId, content)` sends
 * a chat call (max_tokens 5) as that key. `upstream()` counts the calls that got through.
 */
function stageOverUpstream(
  options: Parameters<typeof createBudgetStage>[0],
  usage = { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
) {
  let upstream = 0;
  const pipeline = compose([createBudgetStage({ countPromptTokens: () => 10, ...options })], async () => {
    upstream++;
    return {
      type: 'completion',
      completion: { id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [], usage },
      meta: { headers: {}, attempts: 1 },
    };
  });
  const call = (keyId: string, content = 'hi') =>
    pipeline({
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 5 },
      signal: new AbortController().signal,
      context: { requestId: 'r', keyId },
      options: {},
    });
  return { call, upstream: () => upstream };
}

describe('rate limits in the budget stage', () => {
  it('reads the limits of each caller from a function and refuses with when to retry', async () => {
    const { call, upstream } = stageOverUpstream({
      rateLimiter: createMemoryRateLimiter(),
      rateLimits: (caller) => (caller === 'key:small' ? { requestsPerMinute: 1 } : undefined),
    });
    await call('small');
    const error = await call('small').catch((e) => e);
    expect(error).toBeInstanceOf(LocalRateLimitError);
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    await call('big');
    await call('big');
    expect(upstream()).toBe(3);
  });

  it('a guard that answers later (kept in another process) still refuses first, and the tokens taken meanwhile go back', async () => {
    const limiter = createMemoryRateLimiter();
    const local = createRunawayGuard({ maxRepeats: 1 });
    const { call, upstream } = stageOverUpstream(
      {
        rateLimiter: limiter,
        rateLimits: { 'key:a': { tokensPerMinute: 100 } },
        // As the guard of `serve --workers`: its answer comes back a moment later.
        runaway: {
          check: (caller, request) =>
            new Promise<void>((resolve, reject) =>
              setTimeout(() => {
                try {
                  local.check(caller, request);
                  resolve();
                } catch (error) {
                  reject(error);
                }
              }, 5),
            ),
        },
      },
      { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    );
    await call('a', 'same'); // takes 15 (10 + 5) of the 100 tokens, uses all 15
    expect(await call('a', 'same').catch((e) => e)).toBeInstanceOf(RunawayRequestError);
    expect(upstream()).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    // The refused call's 15 tokens went back: 85 are left, not 70.
    const limits = { tokensPerMinute: 100 };
    expect(await limiter.take('key:a', { requests: 0, tokens: 80 }, limits)).toEqual({ ok: true });
  });
});

describe('Redis unreachable', () => {
  it('refuses the call with a typed error (fail closed), the URL password masked', async () => {
    const limiter = createRedisRateLimiter({ redis: 'redis://user:secret@127.0.0.1:1' });
    const error = await limiter
      .take('a', { requests: 1, tokens: 1 }, { requestsPerMinute: 5 })
      .catch((e) => e);
    await limiter.close();
    expect(error).toBeInstanceOf(RateLimitStoreError);
    expect(error.code).toBe('rate_limit_store_unavailable');
    expect(error.message).not.toContain('secret');
  });
});

describe('runaway guard', () => {
  it('refuses the same request repeated more than N times in the window, per caller', () => {
    let now = 0;
    const guard = createRunawayGuard({ maxRepeats: 3, windowMs: 10_000, clock: () => now });
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'same' }] };
    for (let i = 0; i < 3; i++) guard.check('key:a', request);
    expect(() => guard.check('key:a', request)).toThrow(RunawayRequestError);
    guard.check('key:b', request);
    guard.check('key:a', { ...request, messages: [{ role: 'user' as const, content: 'different' }] });
    now += 10_001;
    guard.check('key:a', request);
  });
});
