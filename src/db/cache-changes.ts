import type { Database } from 'bun:sqlite'
import { createCacheCoherence, type CacheChangeLog } from '../lib/cache-coherence.ts'
import type { WalIndex } from './wal-index.ts'

/*
 * The change log other processes' caches follow (migration 0005: triggers on products and users
 * insert the cache key of every changed row, in the committing transaction). Reads only, plus pruning.
 * `walIndex` (the connection's, src/db/wal-index.ts) lets a request skip the PRAGMA when nothing committed.
 */
export function createCacheChangeStore(sqlite: Database, walIndex?: WalIndex) {
  // Changes only when ANOTHER connection committed (this connection's commits leave it alone).
  const dataVersion = sqlite.query<{ data_version: number }, []>('PRAGMA data_version')
  const since = sqlite.query<{ seq: number; key: string }, [number]>('SELECT seq, key FROM cache_changes WHERE seq > ?1 ORDER BY seq')
  // AUTOINCREMENT's high-water mark survives pruning, unlike max(seq).
  const latest = sqlite.query<{ seq: number }, []>("SELECT seq FROM sqlite_sequence WHERE name = 'cache_changes'")
  const prune = sqlite.query('DELETE FROM cache_changes WHERE at < ?1')
  return {
    mayHaveChanged: walIndex && (() => walIndex.changed()),
    dataVersion: () => dataVersion.get()!.data_version,
    changesSince: (seq: number) => since.all(seq),
    latestSeq: () => latest.get()?.seq ?? 0,
    /** Deletes changes logged before `before` (epoch ms, wall clock: the triggers' clock). */
    prune: (before: number) => prune.run(before).changes,
  }
}

export type CacheChangeStore = ReturnType<typeof createCacheChangeStore>

/** The SQLite change log: followed by polling the WAL-index header (and then PRAGMA data_version) before each request. */
export function createSqliteCacheChangeLog(sqlite: Database, walIndex?: WalIndex): CacheChangeLog {
  const store = createCacheChangeStore(sqlite, walIndex)
  return {
    follow: (cache) => createCacheCoherence(store, cache),
    prune: async (before) => store.prune(before),
  }
}
