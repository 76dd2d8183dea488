import { LRUCache } from 'lru-cache'

/**
 * A sliding-window counter per key (an account, a client address, a pair of them). All rate-limit
 * state lives behind this interface, and every method may answer asynchronously, so a shared store
 * (a SQLite table, Redis) can replace the in-process one when Kiosk runs as more than one process.
 * `take` checks and counts in one step: done as two, concurrent requests could all pass the check
 * before any of them counted.
 */
export interface RateLimiter {
  /** Counts one event at `now` unless the key is at its limit: 0 when counted, else the seconds until it may act again. */
  take(key: string, now: number): Promise<number>
  /** Seconds until the key may act again, or 0 when it is under its limit now (counts nothing). */
  retryAfter(key: string, now: number): Promise<number>
  /** Takes back the event counted at `at` (the attempt turned out not to count, e.g. a login that succeeded). */
  refund(key: string, at: number): Promise<void>
  reset(key: string): Promise<void>
}

/**
 * In-process sliding window: the timestamps of the last `limit` events per key. Bounded memory:
 * at most `limit` numbers per key and `maxKeys` keys (least recently used keys are forgotten).
 */
export function createSlidingWindowLimiter(options: { limit: number; windowMs: number; maxKeys?: number }): RateLimiter {
  const { limit, windowMs } = options
  const events = new LRUCache<string, number[]>({ max: options.maxKeys ?? 100_000 })
  const recent = (key: string, now: number) => (events.get(key) ?? []).filter((at) => at > now - windowMs)
  const wait = (times: number[], now: number) =>
    times.length < limit ? 0 : Math.max(1, Math.ceil((times[times.length - limit]! + windowMs - now) / 1000))
  return {
    async take(key, now) {
      const times = recent(key, now)
      const seconds = wait(times, now)
      if (seconds) return seconds
      times.push(now)
      events.set(key, times.slice(-limit))
      return 0
    },
    async retryAfter(key, now) {
      return wait(recent(key, now), now)
    },
    async refund(key, at) {
      const times = events.get(key)
      const index = times?.lastIndexOf(at) ?? -1
      if (times && index >= 0) times.splice(index, 1)
    },
    async reset(key) {
      events.delete(key)
    },
  }
}

/**
 * Pairs remembered for a while (an account and an address it logged in from), behind the same kind
 * of replaceable, async interface. In-process: bounded to `maxKeys` pairs, least recently used forgotten.
 */
export interface RecentPairs {
  has(key: string, now: number): Promise<boolean>
  add(key: string, now: number): Promise<void>
}

export function createRecentPairs(options: { ttlMs: number; maxKeys?: number }): RecentPairs {
  const seen = new LRUCache<string, number>({ max: options.maxKeys ?? 100_000 })
  return {
    async has(key, now) {
      const at = seen.get(key)
      return at !== undefined && now - at < options.ttlMs
    },
    async add(key, now) {
      seen.set(key, now)
    },
  }
}
