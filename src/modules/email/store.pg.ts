import type { SQL } from 'bun'
import type { EmailStore } from './store.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgEmailStore(_sql: SQL): EmailStore {
  throw new Error('createPgEmailStore is not built yet')
}
