import { Redis } from 'ioredis';
import { RateLimitStoreError } from './rate-limit-store-error.js';
import type { RateDecision, RateLimiter } from './rate-limiter.js';

// Both buckets in one script so a call takes from both or from neither, with Redis's own clock so
// instances with skewed clocks agree. Returns {0} when taken, else {1 = requests | 2 = tokens, retry ms or -1}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local levels = {}
for i = 1, #KEYS do
  local cap = tonumber(ARGV[i * 2 - 1])
  local need = tonumber(ARGV[i * 2])
  if cap > 0 then
    if need > cap then return {i, -1} end
    local v = redis.call('HMGET', KEYS[i], 'l', 't')
    local level = cap
    if v[1] then
      level = math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * cap / 60000)
    end
    if level < need then return {i, math.ceil((need - level) * 60000 / cap)} end
    levels[i] = level - need
  end
end
for i = 1, #KEYS do
  if levels[i] then
    redis.call('HSET', KEYS[i], 'l', tostring(levels[i]), 't', tostring(now))
    redis.call('PEXPIRE', KEYS[i], 120000)
  end
end
return {0, 0}
`;

const GIVE_BACK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'l', 't')
if not v[1] then return 0 end
local level = math.min(cap, tonumber(v[1]) + (now - tonumber(v[2])) * cap / 60000 + tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'l', tostring(level), 't', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return 1
`;

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** `redis://…` (the settings' `redisUrl`), or an ioredis client the caller owns. */
  redis: string | Redis;
  /**
   * Prefix of the bucket keys.
   * @default 'steadychat:rl:'
   */
  prefix?: string;
}

/**
 * Token buckets in Redis, shared by every gateway instance (a limit is not multiplied by the number
 * of replicas). Each take is one Lua script: atomic, one round trip. If Redis is unreachable the call
 * fails (fail closed) with the connection error.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const owned = typeof options.redis === 'string';
  const redis =
    typeof options.redis === 'string'
      ? new Redis(options.redis, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: true })
      : options.redis;
  // Connection errors surface as the failed command's rejection (fail closed); without a listener
  // ioredis would also print each one.
  if (owned) redis.on('error', () => {});
  const prefix = options.prefix ?? 'steadychat:rl:';
  const location =
    typeof options.redis === 'string' ? withoutPassword(options.redis) : 'the given Redis client';
  const run = async <T>(command: () => Promise<T>): Promise<T> => {
    try {
      return await command();
    } catch (error) {
      throw new RateLimitStoreError(location, error);
    }
  };
  return {
    async take(caller, cost, limits) {
      const rpm = limits.requestsPerMinute ?? 0;
      const tpm = limits.tokensPerMinute ?? 0;
      if (!rpm && !tpm) return { ok: true };
      const result = (await run(() =>
        redis.eval(
          TAKE,
          2,
          `${prefix}r:${caller}`,
          `${prefix}t:${caller}`,
          rpm,
          cost.requests,
          tpm,
          cost.tokens,
        ),
      )) as [number, number];
      const [which, retry] = result;
      if (which === 0) return { ok: true };
      return {
        ok: false,
        limit: which === 1 ? 'requests' : 'tokens',
        retryAfterMs: retry < 0 ? null : retry,
      } satisfies RateDecision;
    },
    async giveBack(caller, tokens, limits) {
      if (!limits.tokensPerMinute || tokens <= 0) return;
      await run(() => redis.eval(GIVE_BACK, 1, `${prefix}t:${caller}`, limits.tokensPerMinute!, tokens));
    },
    async close() {
      if (owned) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured Redis URL';
  }
}
