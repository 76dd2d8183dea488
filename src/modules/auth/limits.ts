import type { Config } from '../../config.ts'
import type { Clock } from '../../lib/clock.ts'
import { TooManyRequestsError } from '../../lib/errors.ts'
import { createSlidingWindowLimiter, type RateLimiter } from '../../lib/rate-limit.ts'

const HOUR = 3_600_000

/** The identity rate limits, one set per app (created in createApp, never module-level state). */
export interface AuthLimiters {
  failuresPerAccount: RateLimiter
  failuresPerAddress: RateLimiter
  registrationsPerAddress: RateLimiter
}

export function createAuthLimiters(config: Config): AuthLimiters {
  return {
    failuresPerAccount: createSlidingWindowLimiter({ limit: config.LOGIN_MAX_FAILURES, windowMs: config.LOGIN_WINDOW }),
    failuresPerAddress: createSlidingWindowLimiter({ limit: config.LOGIN_MAX_FAILURES_PER_ADDRESS, windowMs: config.LOGIN_WINDOW }),
    registrationsPerAddress: createSlidingWindowLimiter({ limit: config.REGISTER_MAX_PER_ADDRESS, windowMs: HOUR }),
  }
}

export const tooManyAttempts = (seconds: number) =>
  new TooManyRequestsError(`Too many attempts; try again in ${seconds} s.`, seconds)

/**
 * A password check under the failed-login limits of `account` and `address` (a login, or the
 * current password of a password change). The attempt is counted before the slow hash check and
 * given back if it succeeds: counted only afterwards, a burst of concurrent guesses would all
 * pass the limit check before the first of them failed. A success also clears the account's
 * failures. While either limit is full, even the right password gets 429.
 */
export async function limitedPasswordCheck(
  limiters: AuthLimiters,
  clock: Clock,
  keys: { account: string; address: string },
  check: () => Promise<boolean>,
): Promise<boolean> {
  const { failuresPerAccount, failuresPerAddress } = limiters
  const now = clock.now().getTime()
  const wait = Math.max(failuresPerAccount.retryAfter(keys.account, now), failuresPerAddress.retryAfter(keys.address, now))
  if (wait) throw tooManyAttempts(wait)
  failuresPerAccount.hit(keys.account, now)
  failuresPerAddress.hit(keys.address, now)
  const ok = await check()
  if (ok) {
    failuresPerAccount.reset(keys.account)
    failuresPerAddress.refund(keys.address, now)
  }
  return ok
}
