import { LRUCache } from 'lru-cache'
import type { Metrics } from './metrics.ts'

/**
 * The in-process LRU for hot reads (products, user auth facts, reports). Keys are namespaced
 * `<kind>:<id>`; `cacheKeys` is the one place they are spelled, so writers invalidate exactly
 * what readers fill.
 */
export type Cache = LRUCache<string, NonNullable<unknown>>

export function createCache(options: { max: number; ttlMs: number }): Cache {
  return new LRUCache<string, NonNullable<unknown>>({ max: options.max, ttl: options.ttlMs, ttlAutopurge: false })
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
