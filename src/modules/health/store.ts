import type { Database } from 'bun:sqlite'
import { isMigrated } from '../../db/migrate.ts'

/** What readiness asks of the database: does it answer, and is it migrated (and does Redis answer, when configured). */
export interface HealthStore {
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  isMigrated(): Promise<boolean>
  /** The coordinator other processes share state through (Redis, with REDIS_URL), when there is one. */
  coordinator?: { ping(): Promise<void> }
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
