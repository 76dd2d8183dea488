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
    // Bounded by maxSize with every entry of size 1: the same bound as `max`, but lru-cache then
    // grows its arrays as entries come instead of allocating all `max` slots up front, which took
    // 3–5 ms of every start at the default 10,000 entries (a compiled one-line program; ~0.8 ms
    // this way). Hits cost the same; lru-cache says some speed is lost, measured here as
    // ~0.1 µs per miss, of a miss's ~40 µs.
    maxSize: options.max,
    sizeCalculation: () => 1,
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

/** Invalidations per cache, so a fill that raced one can tell. */
const invalidations = new WeakMap<Cache, number>()

/** Who hears of this process's invalidations (a coordinator telling other processes: src/db/redis/cache-changes.ts). */
const invalidationListeners = new WeakMap<Cache, Set<(key: string) => void>>()

/** Calls `listener` with every key `invalidate` drops from `cache`; returns the function that stops it. */
export function onInvalidate(cache: Cache, listener: (key: string) => void): () => void {
  const listeners = invalidationListeners.get(cache) ?? new Set()
  invalidationListeners.set(cache, listeners)
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Drops an entry after the write that made it stale has committed, and tells onInvalidate's listeners. */
export function invalidate(cache: Cache, key: string) {
  invalidateReceived(cache, key)
  for (const listener of invalidationListeners.get(cache) ?? []) listener(key)
}

/** Drops an entry another process invalidated: not told to the listeners, which would echo it back. */
export function invalidateReceived(cache: Cache, key: string) {
  invalidations.set(cache, (invalidations.get(cache) ?? 0) + 1)
  cache.delete(key)
}

/** Drops every entry (another process's changes could not be followed key by key). */
export function invalidateAll(cache: Cache) {
  invalidations.set(cache, (invalidations.get(cache) ?? 0) + 1)
  cache.clear()
}

/**
 * The cached value, or `load()`'s, cached unless undefined. Loads are async: should any
 * invalidation happen while one is pending, its (possibly older) value is returned but not cached,
 * so a miss can never re-cache a row that a concurrent write replaced.
 */
export async function cachedLoad<T extends NonNullable<unknown>>(
  cache: Cache,
  metrics: Metrics,
  kind: string,
  key: string,
  load: () => Promise<T | undefined>,
  options?: { ttl?: number },
): Promise<T | undefined> {
  const hit = cachedLookup<T>(cache, metrics, kind, key)
  if (hit) return hit
  const before = invalidations.get(cache) ?? 0
  const value = await load()
  if (value !== undefined && (invalidations.get(cache) ?? 0) === before) cache.set(key, value, options)
  return value
}
