import type { SQL } from 'bun'
import type { LimitStore, RateLimiter, RecentPairs } from '../../lib/rate-limit.ts'
import { hasNul } from './nul.ts'

/**
 * PostgreSQL text can't hold a NUL (src/db/pg/nul.ts), and a key may be a login name a client made
 * up: such a key is stored as its SHA-256, still one count per distinct key, as on SQLite.
 */
const storable = (key: string) => (hasNul(key) ? `sha256:${new Bun.CryptoHasher('sha256').update(key).digest('hex')}` : key)

/*
 * Rate-limit state on PostgreSQL, the twin of src/db/rate-limits.ts: a sliding window is the rows
 * of (name, key) whose `at` is inside it. A take is one transaction holding an advisory lock on
 * (name, key), so every process's check-and-count of one key runs one at a time; other keys
 * don't wait. (epoch-ms columns are bigint: they come back as strings.)
 */

export function createPgRateLimiter(sql: SQL, options: { name: string; limit: number; windowMs: number }): RateLimiter {
  const { name, limit, windowMs } = options

  /** Seconds until `key` may act again at `now`, 0 when it may now (`db`: the pool or a transaction). */
  const wait = async (db: SQL, key: string, now: number) => {
    // The `limit` most recent events in the window, newest first: the last is the one that must age out.
    const rows = await db`
      SELECT at FROM rate_limit_events WHERE name = ${name} AND key = ${key} AND at > ${now - windowMs} ORDER BY at DESC LIMIT ${limit}`
    return rows.length < limit ? 0 : Math.max(1, Math.ceil((Number(rows[limit - 1].at) + windowMs - now) / 1000))
  }
  return {
    async take(given, now) {
      const key = storable(given)
      return sql.begin(async (tx) => {
        // Its own statement, before the count: the count's snapshot then includes every take that held the lock before.
        await tx`SELECT pg_advisory_xact_lock(hashtext(${name}), hashtext(${key}))`
        const seconds = await wait(tx, key, now)
        if (!seconds) await tx`INSERT INTO rate_limit_events (name, key, at, expires_at) VALUES (${name}, ${key}, ${now}, ${now + windowMs})`
        return seconds
      })
    },
    async retryAfter(key, now) {
      return wait(sql, storable(key), now)
    },
    async refund(given, at) {
      const key = storable(given)
      // One event (the table has no key: its physical row id); SKIP LOCKED, so two refunds take back two.
      await sql`
        DELETE FROM rate_limit_events WHERE ctid = (
          SELECT ctid FROM rate_limit_events WHERE name = ${name} AND key = ${key} AND at = ${at} LIMIT 1 FOR UPDATE SKIP LOCKED)`
    },
    async reset(key) {
      await sql`DELETE FROM rate_limit_events WHERE name = ${name} AND key = ${storable(key)}`
    },
  }
}

export function createPgRecentPairs(sql: SQL, options: { name: string; ttlMs: number }): RecentPairs {
  const { name, ttlMs } = options
  return {
    async has(key, now) {
      const [row] = await sql`SELECT at FROM recent_pairs WHERE name = ${name} AND key = ${storable(key)}`
      return row !== undefined && now - Number(row.at) < ttlMs
    },
    async add(key, now) {
      await sql`
        INSERT INTO recent_pairs (name, key, at, expires_at) VALUES (${name}, ${storable(key)}, ${now}, ${now + ttlMs})
        ON CONFLICT (name, key) DO UPDATE SET at = excluded.at, expires_at = excluded.expires_at`
    },
  }
}

/** Every limit of this process on one pool. */
export function createPgLimitStore(sql: SQL): LimitStore {
  return {
    limiter: (options) => createPgRateLimiter(sql, options),
    recentPairs: (options) => createPgRecentPairs(sql, options),
    async prune(now) {
      const events = await sql`DELETE FROM rate_limit_events WHERE expires_at <= ${now}`
      const pairs = await sql`DELETE FROM recent_pairs WHERE expires_at <= ${now}`
      return { events: events.count, pairs: pairs.count }
    },
  }
}
