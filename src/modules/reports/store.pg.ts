import type { SQL } from 'bun'
import type { ReportsStore } from './store.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgReportsStore(_sql: SQL): ReportsStore {
  throw new Error('createPgReportsStore is not built yet')
}
