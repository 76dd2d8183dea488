import type { SQL } from 'bun'
import type { LimitStore } from '../../lib/rate-limit.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgLimitStore(_sql: SQL): LimitStore {
  throw new Error('createPgLimitStore is not built yet')
}
