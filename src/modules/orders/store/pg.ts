import type { SQL } from 'bun'
import type { Clock } from '../../../lib/clock.ts'
import type { OrderStore } from './index.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgOrderStore(_sql: SQL, _clock: Clock): OrderStore {
  throw new Error('createPgOrderStore is not built yet')
}
