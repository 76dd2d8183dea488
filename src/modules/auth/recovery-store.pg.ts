import type { SQL } from 'bun'
import type { EmailStore } from '../email/store.ts'
import type { RecoveryStore } from './recovery-store.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgRecoveryStore(_sql: SQL, _emails: EmailStore): RecoveryStore {
  throw new Error('createPgRecoveryStore is not built yet')
}
