import type { SQL } from 'bun'
import type { CatalogStore } from './index.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgCatalogStore(_sql: SQL): CatalogStore {
  throw new Error('createPgCatalogStore is not built yet')
}
