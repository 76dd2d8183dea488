import type { CacheChangeStore } from '../db/cache-changes.ts'
import { invalidate, invalidateAll, type Cache } from './cache.ts'

/** How long logged cache changes are kept; a process that slept longer than this clears its whole cache instead. */
export const CACHE_CHANGE_RETENTION_MS = 60_000

/**
 * Keeps this process's cache coherent with writes made by other processes on the database
 * (other workers, `kiosk create-admin`). `sync()` runs before every request: one
 * `PRAGMA data_version` read, unchanged unless another connection committed (0 extra queries at
 * rest); when it changed, the keys logged since the last seen sequence number are dropped. A gap
 * in the sequence (rows pruned while this process was idle) drops everything.
 */
export function createCacheCoherence(store: CacheChangeStore, cache: Cache) {
  let version = store.dataVersion()
  let seen = store.latestSeq()
  return {
    /** Returns the number of keys dropped (-1: the whole cache). */
    sync(): number {
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

export type CacheCoherence = ReturnType<typeof createCacheCoherence>
