import type { HealthStore } from './store.ts'

type Check = 'ok' | 'unavailable'

export interface Readiness {
  status: 'ok' | 'unavailable'
  /** `redis` only when REDIS_URL is set. */
  checks: { database: Check; migrations: 'ok' | 'pending' | 'unknown'; redis?: Check }
}

/** How long readiness waits for the database (and Redis): a probe gets its 503 in time instead of a hang. */
export const READINESS_TIMEOUT_MS = 2_000

/** `work`'s answer, or 'timeout' after `timeoutMs`, or 'failed' when it rejects. */
async function bounded<T>(work: () => Promise<T>, timeoutMs: number): Promise<T | 'timeout' | 'failed'> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  try {
    return await Promise.race([work(), timedOut])
  } catch {
    return 'failed'
  } finally {
    clearTimeout(timer)
  }
}

export async function checkReadiness(store: HealthStore, timeoutMs = READINESS_TIMEOUT_MS): Promise<Readiness> {
  const { coordinator } = store
  // Both at once, each within the same bound: a probe waits at most timeoutMs however many are down.
  const [migrated, redis] = await Promise.all([
    bounded(async () => {
      await store.ping()
      return store.isMigrated()
    }, timeoutMs),
    coordinator ? bounded(async () => (await coordinator.ping(), 'ok' as const), timeoutMs) : undefined,
  ])
  const checks: Readiness['checks'] =
    typeof migrated === 'boolean'
      ? { database: 'ok', migrations: migrated ? 'ok' : 'pending' }
      : { database: 'unavailable', migrations: 'unknown' }
  if (redis !== undefined) checks.redis = redis === 'ok' ? 'ok' : 'unavailable'
  const ok = checks.migrations === 'ok' && checks.redis !== 'unavailable'
  return { status: ok ? 'ok' : 'unavailable', checks }
}
