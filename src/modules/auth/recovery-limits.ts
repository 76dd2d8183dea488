import type { LimitStore, RateLimiter } from '../../lib/rate-limit.ts'
import type { Clock } from '../../lib/clock.ts'
import { tooManyAttempts } from './limits.ts'

const HOUR = 3_600_000

/** Limits of the routes that send email, so they can't be used to flood an inbox or the SMTP server. */
export interface RecoveryLimiters {
  resetsPerAddress: RateLimiter
  resetsPerEmail: RateLimiter
  resendsPerUser: RateLimiter
}

export const RECOVERY_LIMITS = { resetsPerAddress: 10, resetsPerEmail: 3, resendsPerUser: 3, windowMs: HOUR }

/** In the database, shared by every process (the store's LimitStore). */
export function createRecoveryLimiters(store: LimitStore): RecoveryLimiters {
  const { windowMs } = RECOVERY_LIMITS
  return {
    resetsPerAddress: store.limiter({ name: 'reset-address', limit: RECOVERY_LIMITS.resetsPerAddress, windowMs }),
    resetsPerEmail: store.limiter({ name: 'reset-email', limit: RECOVERY_LIMITS.resetsPerEmail, windowMs }),
    resendsPerUser: store.limiter({ name: 'resend-user', limit: RECOVERY_LIMITS.resendsPerUser, windowMs }),
  }
}

/**
 * Counts one request against every (limiter, key) pair, or throws 429 (counting nothing) when any
 * is full. Each `take` checks and counts in one step, and what was taken before a refusal is given
 * back: a check of all first, then the takes, would let concurrent requests all pass the check.
 */
export async function takeOrThrow(clock: Clock, checks: [RateLimiter, string][]): Promise<void> {
  const now = clock.now().getTime()
  const taken: [RateLimiter, string][] = []
  for (const check of checks) {
    const wait = await check[0].take(check[1], now)
    if (wait) {
      for (const [limiter, key] of taken) await limiter.refund(key, now)
      throw tooManyAttempts(wait)
    }
    taken.push(check)
  }
}
