/**
 * A sliding-window counter per key (an account, a client address, a pair of them). All rate-limit
 * state lives behind this interface, and every method may answer asynchronously, so a shared store
 * serves them: src/db/rate-limits.ts keeps them in SQLite, so every process on the database counts
 * the same events and a restart forgets nothing.
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
 * Pairs remembered for a while (an account and an address it logged in from), behind the same kind
 * of async interface (kept in SQLite by src/db/rate-limits.ts).
 */
export interface RecentPairs {
  has(key: string, now: number): Promise<boolean>
  add(key: string, now: number): Promise<void>
}

/** Where a process's limits keep their state (SQLite, PostgreSQL): one per store set. */
export interface LimitStore {
  limiter(options: { name: string; limit: number; windowMs: number }): RateLimiter
  recentPairs(options: { name: string; ttlMs: number }): RecentPairs
  /** Deletes events and pairs that no longer count at `now` (epoch ms); returns how many. */
  prune(now: number): Promise<{ events: number; pairs: number }>
}
