import type { SQL } from 'bun'
import type { UserStore } from './store.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgUserStore(_sql: SQL): UserStore {
  throw new Error('createPgUserStore is not built yet')
}
