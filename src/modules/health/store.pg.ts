import type { SQL } from 'bun'
import { pendingPostgresMigrations } from '../../db/pg/migrate.ts'
import type { HealthStore } from './store.ts'

export function createPgHealthStore(sql: SQL): HealthStore {
  // Migrations are never undone under a running process: once current, the probe costs one round trip (the ping).
  let migrated = false
  return {
    async ping() {
      await sql`SELECT 1`
    },
    async isMigrated() {
      migrated ||= (await pendingPostgresMigrations(sql)).length === 0
      return migrated
    },
  }
}
