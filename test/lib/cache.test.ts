import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createCache, invalidate } from '../../src/lib/cache.ts'
import { ManualClock } from '../../src/lib/clock.ts'

setDefaultTimeout(30_000)

describe('createCache', () => {
  test('holds at most CACHE_MAX_ENTRIES entries and drops the least recently used first', () => {
    const cache = createCache({ max: 3, ttlMs: 60_000, clock: new ManualClock() })
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('c', 3)
    expect(cache.get('a')).toBe(1) // a is now the most recently used; b the least
    cache.set('d', 4)
    expect(cache.size).toBe(3)
    expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd'])
    cache.set('e', 5)
    cache.set('f', 6)
    expect(cache.size).toBe(3)
    expect([...cache.keys()].sort()).toEqual(['d', 'e', 'f'])
  })

  test('replacing an entry keeps the count and the newest value', () => {
    const cache = createCache({ max: 2, ttlMs: 60_000, clock: new ManualClock() })
    cache.set('a', 1)
    cache.set('a', 2)
    cache.set('b', 3)
    expect(cache.size).toBe(2)
    expect(cache.get('a')).toBe(2)
  })

  test('entries expire by the context clock once CACHE_TTL has passed', () => {
    const clock = new ManualClock()
    const cache = createCache({ max: 10, ttlMs: 30_000, clock })
    cache.set('a', 1)
    clock.advance(30_000)
    expect(cache.get('a')).toBe(1)
    clock.advance(1)
    expect(cache.get('a')).toBeUndefined()
  })

  test('an invalidated key is gone and frees its place', () => {
    const cache = createCache({ max: 2, ttlMs: 60_000, clock: new ManualClock() })
    cache.set('a', 1)
    cache.set('b', 2)
    invalidate(cache, 'a')
    expect(cache.get('a')).toBeUndefined()
    cache.set('c', 3)
    expect([...cache.keys()].sort()).toEqual(['b', 'c'])
  })
})
