import type { SQL } from 'bun'
import type { CacheChangeLog } from '../../lib/cache-coherence.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgCacheChangeLog(_sql: SQL): CacheChangeLog {
  throw new Error('createPgCacheChangeLog is not built yet')
}
