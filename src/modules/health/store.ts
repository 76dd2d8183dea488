import type { Database } from 'bun:sqlite'
import { isMigrated } from '../../db/migrate.ts'

/** What readiness asks of the database: does it answer, and is it migrated. */
export interface HealthStore {
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  isMigrated(): Promise<boolean>
}

export function createHealthStore(sqlite: Database): HealthStore {
  return {
    async ping() {
      sqlite.query('SELECT 1').get()
    },
    async isMigrated() {
      return isMigrated(sqlite)
    },
  }
}
