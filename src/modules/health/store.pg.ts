import type { SQL } from 'bun'
import { pendingPostgresMigrations } from '../../db/pg/migrate.ts'
import type { HealthStore } from './store.ts'

export function createPgHealthStore(sql: SQL): HealthStore {
  return {
    async ping() {
      await sql`SELECT 1`
    },
    async isMigrated() {
      return (await pendingPostgresMigrations(sql)).length === 0
    },
  }
}
