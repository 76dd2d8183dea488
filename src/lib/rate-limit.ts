import { LRUCache } from 'lru-cache'

/**
 * A sliding-window counter per key (an account, a client address). All rate-limit state lives
 * behind this interface, so a shared store (Redis, a database table) can replace the in-process
 * one when Kiosk runs on more than one machine.
 */
export interface RateLimiter {
  /** Seconds until the key may act again, or 0 when it is under its limit now. */
  retryAfter(key: string, now: number): number
  /** Counts one event for the key. */
  hit(key: string, now: number): void
  /** Takes back the event counted at `at` (the attempt turned out not to count, e.g. a login that succeeded). */
  refund(key: string, at: number): void
  reset(key: string): void
}

/**
 * In-process sliding window: the timestamps of the last `limit` events per key. Bounded memory:
 * at most `limit` numbers per key and `maxKeys` keys (least recently used keys are forgotten).
 */
export function createSlidingWindowLimiter(options: { limit: number; windowMs: number; maxKeys?: number }): RateLimiter {
  const { limit, windowMs } = options
  const events = new LRUCache<string, number[]>({ max: options.maxKeys ?? 100_000 })
  const recent = (key: string, now: number) => (events.get(key) ?? []).filter((at) => at > now - windowMs)
  return {
    retryAfter(key, now) {
      const times = recent(key, now)
      if (times.length < limit) return 0
      return Math.max(1, Math.ceil((times[0]! + windowMs - now) / 1000))
    },
    hit(key, now) {
      const times = recent(key, now)
      times.push(now)
      events.set(key, times.slice(-limit))
    },
    refund(key, at) {
      const times = events.get(key)
      const index = times?.lastIndexOf(at) ?? -1
      if (times && index >= 0) times.splice(index, 1)
    },
    reset(key) {
      events.delete(key)
    },
  }
}
