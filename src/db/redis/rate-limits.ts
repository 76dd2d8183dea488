import type { LimitStore, RateLimiter, RecentPairs } from '../../lib/rate-limit.ts'
import type { RedisHandle } from './client.ts'

/*
 * Rate-limit state in Redis (REDIS_URL), the twin of src/db/pg/rate-limits.ts: a sliding window
 * per (name, key) is a sorted set of its events scored by their time (epoch ms), a known pair a
 * key holding its time. Hand-written rather than rate-limiter-flexible, which does not support
 * Bun's client; the whole of it is two short Lua scripts, so each take is one atomic step in Redis
 * (no process can count between another's check and its count).
 */

/** A script run by its SHA-1 (EVALSHA), loaded with EVAL when the server does not know it yet. */
interface Script {
  source: string
  sha: string
}

const script = (source: string): Script => ({ source, sha: new Bun.CryptoHasher('sha1').update(source).digest('hex') })

/*
 * KEYS[1] the window; ARGV: now, now - window, limit, window (ms), the member to add ('' counts nothing).
 * Events at or before now - window no longer count: they go (what the SQL stores' prune does). Of
 * the rest, the limit-th newest is the one that must leave the window before another may count.
 */
const TAKE = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local limit = tonumber(ARGV[3])
local nth = redis.call('ZREVRANGE', KEYS[1], limit - 1, limit - 1, 'WITHSCORES')
if nth[2] then
  return math.max(1, math.ceil((tonumber(nth[2]) + tonumber(ARGV[4]) - tonumber(ARGV[1])) / 1000))
end
if ARGV[5] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 0
`)

/* KEYS[1] the window; ARGV[1] the time of the event to take back: one of them, even when several share it. */
const REFUND = script(`
local event = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)[1]
if event then redis.call('ZREM', KEYS[1], event) end
return 0
`)

async function run(redis: RedisHandle, { source, sha }: Script, keys: string[], args: string[]): Promise<unknown> {
  try {
    return await redis.send('EVALSHA', [sha, String(keys.length), ...keys, ...args])
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return redis.send('EVAL', [source, String(keys.length), ...keys, ...args])
  }
}

/** Limit names are ours and have no colon, so `name:key` is unambiguous whatever the key holds. */
const windowKey = (scope: string, name: string, key: string) => `kiosk:${scope}:limit:${name}:${key}`
const pairKey = (scope: string, name: string, key: string) => `kiosk:${scope}:pair:${name}:${key}`

export function createRedisRateLimiter(redis: RedisHandle, options: { name: string; limit: number; windowMs: number }): RateLimiter {
  const { name, limit, windowMs } = options
  const wait = async (key: string, now: number, member: string) =>
    Number(await run(redis, TAKE, [windowKey(redis.scope, name, key)], [String(now), String(now - windowMs), String(limit), String(windowMs), member]))
  return {
    // A member of its own per event, so events at one instant are each counted (and refunded) once.
    take: (key, now) => wait(key, now, `${now}:${crypto.randomUUID()}`),
    retryAfter: (key, now) => wait(key, now, ''),
    async refund(key, at) {
      await run(redis, REFUND, [windowKey(redis.scope, name, key)], [String(at)])
    },
    async reset(key) {
      await redis.send('DEL', [windowKey(redis.scope, name, key)])
    },
  }
}

export function createRedisRecentPairs(redis: RedisHandle, options: { name: string; ttlMs: number }): RecentPairs {
  const { name, ttlMs } = options
  return {
    async has(key, now) {
      // The time is kept as well as the TTL: `now` is the caller's clock, which decides, as on SQL.
      const at = await redis.send('GET', [pairKey(redis.scope, name, key)])
      return typeof at === 'string' && now - Number(at) < ttlMs
    },
    async add(key, now) {
      await redis.send('SET', [pairKey(redis.scope, name, key), String(now), 'PX', String(ttlMs)])
    },
  }
}

/** Every limit of this process in Redis. Nothing to prune: windows are trimmed as they are used, and keys expire. */
export function createRedisLimitStore(redis: RedisHandle): LimitStore {
  return {
    limiter: (options) => createRedisRateLimiter(redis, options),
    recentPairs: (options) => createRedisRecentPairs(redis, options),
    prune: async () => ({ events: 0, pairs: 0 }),
  }
}
