import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { openDatabase } from '../../src/db/client.ts'
import { twoConnections } from './two-connections.ts'
import { createSqliteRateLimiter, createSqliteRecentPairs, pruneRateLimits } from '../../src/db/rate-limits.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// A second connection on the same file: what another worker process has.
const { first, second, path } = twoConnections('kiosk-limits-')

const T0 = 1_800_000_000_000
const WINDOW = 60_000

describe('the SQLite rate limiter', () => {
  test('counts up to the limit, then answers the seconds until the oldest counted event leaves the window', async () => {
    const limiter = createSqliteRateLimiter(first.sqlite, { name: 'window', limit: 3, windowMs: WINDOW })
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
    const a = createSqliteRateLimiter(first.sqlite, { name: 'shared', limit: 4, windowMs: WINDOW })
    const b = createSqliteRateLimiter(second.sqlite, { name: 'shared', limit: 4, windowMs: WINDOW })
    const waits = [await a.take('k', T0), await b.take('k', T0), await a.take('k', T0), await b.take('k', T0), await a.take('k', T0), await b.take('k', T0)]
    expect(waits).toEqual([0, 0, 0, 0, 60, 60])
  })

  test('survives a restart: a new connection sees the events counted before', async () => {
    const before = createSqliteRateLimiter(first.sqlite, { name: 'restart', limit: 2, windowMs: WINDOW })
    await before.take('k', T0)
    await before.take('k', T0 + 1000)
    const reopened = openDatabase(path)
    try {
      const after = createSqliteRateLimiter(reopened.sqlite, { name: 'restart', limit: 2, windowMs: WINDOW })
      expect(await after.take('k', T0 + 2000)).toBe(58)
    } finally {
      reopened.close()
    }
  })

  test('refund takes back one event, reset all of a key; limits of other names are untouched', async () => {
    const limiter = createSqliteRateLimiter(first.sqlite, { name: 'refund', limit: 2, windowMs: WINDOW })
    const sameKeyOtherName = createSqliteRateLimiter(first.sqlite, { name: 'refund-other', limit: 1, windowMs: WINDOW })
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

  test('known pairs are shared and expire after their TTL', async () => {
    const a = createSqliteRecentPairs(first.sqlite, { name: 'known', ttlMs: WINDOW })
    const b = createSqliteRecentPairs(second.sqlite, { name: 'known', ttlMs: WINDOW })
    await a.add('user 10.0.0.1', T0)
    expect(await b.has('user 10.0.0.1', T0 + WINDOW - 1)).toBe(true)
    expect(await b.has('user 10.0.0.1', T0 + WINDOW)).toBe(false)
    expect(await b.has('user 10.0.0.2', T0)).toBe(false)
  })

  test('pruning deletes exactly the rows that no longer count', async () => {
    first.sqlite.exec('DELETE FROM rate_limit_events; DELETE FROM recent_pairs')
    const limiter = createSqliteRateLimiter(first.sqlite, { name: 'prune', limit: 5, windowMs: WINDOW })
    const pairs = createSqliteRecentPairs(first.sqlite, { name: 'prune', ttlMs: WINDOW })
    await limiter.take('k', T0)
    await limiter.take('k', T0 + 30_000)
    await pairs.add('p', T0)
    expect(pruneRateLimits(first.sqlite, T0 + WINDOW)).toEqual({ events: 1, pairs: 1 })
    expect(await limiter.take('k', T0 + WINDOW)).toBe(0)
    expect(pruneRateLimits(first.sqlite, T0 + WINDOW)).toEqual({ events: 0, pairs: 0 })
  })
})
