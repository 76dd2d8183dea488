import type { HealthStore } from './store.ts'

export interface Readiness {
  status: 'ok' | 'unavailable'
  checks: { database: 'ok' | 'unavailable'; migrations: 'ok' | 'pending' | 'unknown' }
}

/** How long readiness waits for the database: a probe gets its 503 in time instead of a hang. */
export const READINESS_TIMEOUT_MS = 2_000

const UNAVAILABLE: Readiness = { status: 'unavailable', checks: { database: 'unavailable', migrations: 'unknown' } }

export async function checkReadiness(store: HealthStore, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  try {
    const answer = await Promise.race([
      (async () => {
        await store.ping()
        return store.isMigrated()
      })(),
      timedOut,
    ])
    if (answer === 'timeout') return UNAVAILABLE
    return { status: answer ? 'ok' : 'unavailable', checks: { database: 'ok', migrations: answer ? 'ok' : 'pending' } }
  } catch {
    return UNAVAILABLE
  } finally {
    clearTimeout(timer)
  }
}
