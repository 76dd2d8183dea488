import { invalidate, invalidateAll, type Cache } from './cache.ts'

/** What the polling follower reads (SQLite's change log: src/db/cache-changes.ts). */
export interface PolledChangeLog {
  /** A cheap hint read before dataVersion(): false means no connection committed since the last call (src/db/wal-index.ts). */
  mayHaveChanged?: () => boolean
  /** Changes only when another connection committed. */
  dataVersion(): number
  changesSince(seq: number): { seq: number; key: string }[]
  /** The highest sequence number ever logged (survives pruning). */
  latestSeq(): number
}

/** How long logged cache changes are kept; a process that slept longer than this clears its whole cache instead. */
export const CACHE_CHANGE_RETENTION_MS = 60_000

/**
 * Keeps this process's cache coherent with writes made by other processes on the database
 * (other workers, `kiosk create-admin`). `sync()` runs before every request: a read of the
 * WAL-index header where there is one (one pread(2), src/db/wal-index.ts), and only when that
 * changed a `PRAGMA data_version` read, unchanged unless another connection committed (0 queries
 * at rest); when it changed, the keys logged since the last seen sequence number are dropped. A gap
 * in the sequence (rows pruned while this process was idle) drops everything.
 */
export interface CacheCoherence {
  /** Before each request: drops what other processes changed; returns the number of keys dropped (-1: the whole cache). */
  sync(): number
  /** Resolves once changes are followed (PostgreSQL: LISTEN acknowledged); serve waits for it before listening. */
  ready: Promise<void>
  close(): Promise<void>
}

/** Where other processes' cache-relevant commits are learnt from: a table on SQLite, LISTEN/NOTIFY on PostgreSQL. */
export interface CacheChangeLog {
  follow(cache: Cache): CacheCoherence
  /** Deletes logged changes older than `before` (epoch ms, wall clock); returns how many (0 where nothing is logged). */
  prune(before: number): Promise<number>
}

export function createCacheCoherence(store: PolledChangeLog, cache: Cache): CacheCoherence {
  const mayHaveChanged = store.mayHaveChanged
  let version = store.dataVersion()
  let seen = store.latestSeq()
  return {
    ready: Promise.resolve(),
    async close() {},
    sync(): number {
      if (mayHaveChanged && !mayHaveChanged()) return 0
      const current = store.dataVersion()
      if (current === version) return 0
      // Read before the rows: a commit landing in between changes it again and is seen next time.
      version = current
      const rows = store.changesSince(seen)
      if (rows.length === 0 || rows[0]!.seq !== seen + 1) {
        const latest = store.latestSeq()
        if (latest > seen) {
          seen = latest
          invalidateAll(cache)
          return -1
        }
        return 0
      }
      for (const row of rows) invalidate(cache, row.key)
      seen = rows[rows.length - 1]!.seq
      return rows.length
    },
  }
}
