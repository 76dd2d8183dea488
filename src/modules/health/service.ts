import type { HealthStore } from './store.ts'

export interface Readiness {
  status: 'ok' | 'unavailable'
  checks: { database: 'ok' | 'unavailable'; migrations: 'ok' | 'pending' | 'unknown' }
}

export async function checkReadiness(store: HealthStore): Promise<Readiness> {
  try {
    await store.ping()
  } catch {
    return { status: 'unavailable', checks: { database: 'unavailable', migrations: 'unknown' } }
  }
  const migrated = await store.isMigrated()
  return { status: migrated ? 'ok' : 'unavailable', checks: { database: 'ok', migrations: migrated ? 'ok' : 'pending' } }
}
