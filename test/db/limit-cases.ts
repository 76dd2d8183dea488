import { expect, test } from 'bun:test'
import type { LimitStore } from '../../src/lib/rate-limit.ts'

/* The rate-limit store cases, shared by test/db/rate-limits.test.ts (SQLite, PostgreSQL) and test/db/redis-rate-limits.test.ts. */

export const T0 = 1_800_000_000_000
export const WINDOW = 60_000

/** Two stores on one database (what two worker processes have), a third opened later (a restart), and a way to empty the tables. */
export interface LimitsFixture {
  first: LimitStore
  second: LimitStore
  reopen(): Promise<{ limits: LimitStore; close(): Promise<void> }>
  clear(): Promise<void>
}

/**
 * The same cases on every store (SQLite, PostgreSQL, Redis). `prunes: false` for a store whose
 * state expires by itself (Redis): its own test file checks that instead of pruning.
 */
export function limitCases(fixture: () => LimitsFixture, options: { prunes?: boolean } = {}) {
  test('counts up to the limit, then answers the seconds until the oldest counted event leaves the window', async () => {
    const limiter = fixture().first.limiter({ name: 'window', limit: 3, windowMs: WINDOW })
    expect(await limiter.take('k', T0)).toBe(0)
    expect(await limiter.take('k', T0 + 10_000)).toBe(0)
    expect(await limiter.take('k', T0 + 20_000)).toBe(0)
    expect(await limiter.take('k', T0 + 30_000)).toBe(30)
    expect(await limiter.retryAfter('k', T0 + 30_000)).toBe(30)
    // The first event leaves the window at T0 + 60 s.
    expect(await limiter.retryAfter('k', T0 + 60_000)).toBe(0)
    expect(await limiter.take('k', T0 + 60_000)).toBe(0)
    expect(await limiter.take('other', T0 + 60_000)).toBe(0)
  })

  test('two connections (two processes) share one count: the limit holds across them', async () => {
    const a = fixture().first.limiter({ name: 'shared', limit: 4, windowMs: WINDOW })
    const b = fixture().second.limiter({ name: 'shared', limit: 4, windowMs: WINDOW })
    const waits = [await a.take('k', T0), await b.take('k', T0), await a.take('k', T0), await b.take('k', T0), await a.take('k', T0), await b.take('k', T0)]
    expect(waits).toEqual([0, 0, 0, 0, 60, 60])
  })

  test('concurrent takes on two connections count exactly the limit: check and count are one step', async () => {
    const a = fixture().first.limiter({ name: 'burst', limit: 5, windowMs: WINDOW })
    const b = fixture().second.limiter({ name: 'burst', limit: 5, windowMs: WINDOW })
    const waits = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).take('k', T0)))
    expect(waits.filter((wait) => wait === 0)).toHaveLength(5)
    expect(waits.filter((wait) => wait === 60)).toHaveLength(19)
  })

  test('survives a restart: a new connection sees the events counted before', async () => {
    const before = fixture().first.limiter({ name: 'restart', limit: 2, windowMs: WINDOW })
    await before.take('k', T0)
    await before.take('k', T0 + 1000)
    const reopened = await fixture().reopen()
    try {
      const after = reopened.limits.limiter({ name: 'restart', limit: 2, windowMs: WINDOW })
      expect(await after.take('k', T0 + 2000)).toBe(58)
    } finally {
      await reopened.close()
    }
  })

  test('refund takes back one event, reset all of a key; limits of other names are untouched', async () => {
    const limiter = fixture().first.limiter({ name: 'refund', limit: 2, windowMs: WINDOW })
    const sameKeyOtherName = fixture().first.limiter({ name: 'refund-other', limit: 1, windowMs: WINDOW })
    await sameKeyOtherName.take('k', T0)
    await limiter.take('k', T0)
    await limiter.take('k', T0 + 1)
    await limiter.refund('k', T0 + 1)
    expect(await limiter.take('k', T0 + 2)).toBe(0)
    expect(await limiter.take('k', T0 + 3)).toBe(60)
    await limiter.reset('k')
    expect(await limiter.retryAfter('k', T0 + 3)).toBe(0)
    expect(await sameKeyOtherName.retryAfter('k', T0 + 3)).toBe(60)
  })

  test('a refund takes back one event even when several share its instant', async () => {
    const limiter = fixture().first.limiter({ name: 'refund-same-instant', limit: 2, windowMs: WINDOW })
    await limiter.take('k', T0)
    await limiter.take('k', T0)
    await Promise.all([limiter.refund('k', T0), fixture().second.limiter({ name: 'refund-same-instant', limit: 2, windowMs: WINDOW }).refund('k', T0)])
    expect(await limiter.take('k', T0 + 1)).toBe(0)
    expect(await limiter.take('k', T0 + 2)).toBe(0)
    expect(await limiter.take('k', T0 + 3)).toBe(60)
  })

  test('known pairs are shared and expire after their TTL', async () => {
    const a = fixture().first.recentPairs({ name: 'known', ttlMs: WINDOW })
    const b = fixture().second.recentPairs({ name: 'known', ttlMs: WINDOW })
    await a.add('user 10.0.0.1', T0)
    expect(await b.has('user 10.0.0.1', T0 + WINDOW - 1)).toBe(true)
    expect(await b.has('user 10.0.0.1', T0 + WINDOW)).toBe(false)
    expect(await b.has('user 10.0.0.2', T0)).toBe(false)
    // Adding again moves the pair's time (an upsert, not a second row).
    await b.add('user 10.0.0.1', T0 + WINDOW)
    expect(await a.has('user 10.0.0.1', T0 + 2 * WINDOW - 1)).toBe(true)
  })

  test.skipIf(options.prunes === false)('pruning deletes exactly the rows that no longer count', async () => {
    await fixture().clear()
    const { first } = fixture()
    const limiter = first.limiter({ name: 'prune', limit: 5, windowMs: WINDOW })
    const pairs = first.recentPairs({ name: 'prune', ttlMs: WINDOW })
    await limiter.take('k', T0)
    await limiter.take('k', T0 + 30_000)
    await pairs.add('p', T0)
    expect(await first.prune(T0 + WINDOW)).toEqual({ events: 1, pairs: 1 })
    expect(await limiter.take('k', T0 + WINDOW)).toBe(0)
    expect(await first.prune(T0 + WINDOW)).toEqual({ events: 0, pairs: 0 })
  })
}
