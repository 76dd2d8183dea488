import type { Database } from 'bun:sqlite'
import type { LimitStore, RateLimiter, RecentPairs } from '../lib/rate-limit.ts'
import { immediateTransaction } from './transaction.ts'

/*
 * Rate-limit state in the database, so every process on it (worker mode, a restart) counts the
 * same events: a sliding window is the rows of (name, key) whose `at` is inside it. A take is one
 * IMMEDIATE transaction (check and count cannot interleave across processes); rows carry their
 * own expiry and `pruneRateLimits` (a scheduled job) deletes the expired ones.
 */

export function createSqliteRateLimiter(sqlite: Database, options: { name: string; limit: number; windowMs: number }): RateLimiter {
  const { name, limit, windowMs } = options
  // The `limit` most recent events in the window, newest first: the last is the one that must age out.
  const recent = sqlite.query<{ at: number }, [string, string, number, number]>(
    'SELECT at FROM rate_limit_events WHERE name = ?1 AND key = ?2 AND at > ?3 ORDER BY at DESC LIMIT ?4',
  )
  const insert = sqlite.query('INSERT INTO rate_limit_events (name, key, at, expires_at) VALUES (?1, ?2, ?3, ?4)')
  const removeOne = sqlite.query(
    'DELETE FROM rate_limit_events WHERE rowid = (SELECT rowid FROM rate_limit_events WHERE name = ?1 AND key = ?2 AND at = ?3 LIMIT 1)',
  )
  const removeAll = sqlite.query('DELETE FROM rate_limit_events WHERE name = ?1 AND key = ?2')

  const wait = (key: string, now: number) => {
    const rows = recent.all(name, key, now - windowMs, limit)
    return rows.length < limit ? 0 : Math.max(1, Math.ceil((rows[limit - 1]!.at + windowMs - now) / 1000))
  }
  return {
    async take(key, now) {
      return immediateTransaction(sqlite, () => {
        const seconds = wait(key, now)
        if (!seconds) insert.run(name, key, now, now + windowMs)
        return seconds
      })
    },
    async retryAfter(key, now) {
      return wait(key, now)
    },
    async refund(key, at) {
      removeOne.run(name, key, at)
    },
    async reset(key) {
      removeAll.run(name, key)
    },
  }
}

export function createSqliteRecentPairs(sqlite: Database, options: { name: string; ttlMs: number }): RecentPairs {
  const { name, ttlMs } = options
  const find = sqlite.query<{ at: number }, [string, string]>('SELECT at FROM recent_pairs WHERE name = ?1 AND key = ?2')
  const upsert = sqlite.query(
    'INSERT INTO recent_pairs (name, key, at, expires_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name, key) DO UPDATE SET at = excluded.at, expires_at = excluded.expires_at',
  )
  return {
    async has(key, now) {
      const row = find.get(name, key)
      return row !== null && now - row.at < ttlMs
    },
    async add(key, now) {
      upsert.run(name, key, now, now + ttlMs)
    },
  }
}

/** Deletes events and pairs that no longer count at `now` (epoch ms); returns how many. */
export function pruneRateLimits(sqlite: Database, now: number): { events: number; pairs: number } {
  const events = sqlite.query('DELETE FROM rate_limit_events WHERE expires_at <= ?1').run(now).changes
  const pairs = sqlite.query('DELETE FROM recent_pairs WHERE expires_at <= ?1').run(now).changes
  return { events, pairs }
}

/** Every limit of this process on one SQLite connection. */
export function createSqliteLimitStore(sqlite: Database): LimitStore {
  return {
    limiter: (options) => createSqliteRateLimiter(sqlite, options),
    recentPairs: (options) => createSqliteRecentPairs(sqlite, options),
    prune: async (now) => pruneRateLimits(sqlite, now),
  }
}
