import type { Database } from 'bun:sqlite'
import { isMigrated } from '../../db/migrate.ts'

export interface Readiness {
  status: 'ok' | 'unavailable'
  checks: { database: 'ok' | 'unavailable'; migrations: 'ok' | 'pending' | 'unknown' }
}

export function checkReadiness(sqlite: Database): Readiness {
  try {
    sqlite.query('SELECT 1').get()
  } catch {
    return { status: 'unavailable', checks: { database: 'unavailable', migrations: 'unknown' } }
  }
  const migrated = isMigrated(sqlite)
  return { status: migrated ? 'ok' : 'unavailable', checks: { database: 'ok', migrations: migrated ? 'ok' : 'pending' } }
}
