import { LRUCache } from 'lru-cache'
import type { Clock } from './clock.ts'
import type { Metrics } from './metrics.ts'

/**
 * The in-process LRU for hot reads (products, user auth facts, reports). Keys are namespaced
 * `<kind>:<id>`; `cacheKeys` is the one place they are spelled, so writers invalidate exactly
 * what readers fill.
 */
export type Cache = LRUCache<string, NonNullable<unknown>>

/** Entries expire by the context's clock, so tests move time instead of sleeping. */
export function createCache(options: { max: number; ttlMs: number; clock: Clock }): Cache {
  const { clock } = options
  return new LRUCache<string, NonNullable<unknown>>({
    max: options.max,
    ttl: options.ttlMs,
    ttlAutopurge: false,
    // Read the clock on every check: lru-cache otherwise memoises "now" for a millisecond, and a
    // manual clock moved within that millisecond would go unseen.
    ttlResolution: 0,
    perf: { now: () => clock.now().getTime() },
  })
}

export const cacheKeys = {
  product: (id: string) => `product:${id}`,
  userAuth: (id: string) => `user-auth:${id}`,
  report: (from: string, to: string) => `report:${from}:${to}`,
}

/** get() that counts hits and misses by kind for /metrics. */
export function cachedLookup<T extends NonNullable<unknown>>(cache: Cache, metrics: Metrics, kind: string, key: string): T | undefined {
  const value = cache.get(key) as T | undefined
  metrics.cacheLookups.inc({ cache: kind, result: value === undefined ? 'miss' : 'hit' })
  return value
}
