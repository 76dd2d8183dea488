import type { Config } from '../../config.ts'
import type { Clock } from '../../lib/clock.ts'
import { TooManyRequestsError } from '../../lib/errors.ts'
import type { Logger } from '../../lib/logger.ts'
import type { LimitStore, RateLimiter, RecentPairs } from '../../lib/rate-limit.ts'
import { createLogSampler, logSecurityEvent } from '../../lib/security-log.ts'

const HOUR = 3_600_000
const MINUTE = 60_000

/** Who is asking: the client address limits are keyed on, and the request id security events carry. */
export interface Caller {
  address: string
  requestId?: string
}

/**
 * The identity rate limits, one set per process (created in createServices, never module-level state).
 *
 * Failed logins are limited three ways, so nobody can lock someone else out:
 * - per (account, address) pair (LOGIN_MAX_FAILURES): one client guessing one password;
 * - per address (LOGIN_MAX_FAILURES_PER_ADDRESS): one client guessing across accounts;
 * - per account (LOGIN_MAX_FAILURES_PER_ACCOUNT, far higher), for guesses spread over many addresses.
 *   It binds only addresses the account has not logged in from within LOGIN_KNOWN_ADDRESS_TTL, so the
 *   owner (the admin included) still gets in from a known address while strangers flood the account.
 */
export interface AuthLimiters {
  failuresPerPair: RateLimiter
  failuresPerAddress: RateLimiter
  failuresPerAccount: RateLimiter
  knownAddresses: RecentPairs
  registrationsPerAddress: RateLimiter
  logger: Logger
  /** One `rate_limited` line per limit and key per minute, however many requests it refuses. */
  refusals: ReturnType<typeof createLogSampler>
}

/** Kept in the database (the store's LimitStore): every process counts the same attempts, and a restart forgets none. */
export function createAuthLimiters(store: LimitStore, config: Config, logger: Logger): AuthLimiters {
  const windowMs = config.LOGIN_WINDOW
  const limiter = (name: string, limit: number, window = windowMs) => store.limiter({ name, limit, windowMs: window })
  return {
    failuresPerPair: limiter('login-pair', config.LOGIN_MAX_FAILURES),
    failuresPerAddress: limiter('login-address', config.LOGIN_MAX_FAILURES_PER_ADDRESS),
    failuresPerAccount: limiter('login-account', config.LOGIN_MAX_FAILURES_PER_ACCOUNT),
    knownAddresses: store.recentPairs({ name: 'login-known-address', ttlMs: config.LOGIN_KNOWN_ADDRESS_TTL }),
    registrationsPerAddress: limiter('register-address', config.REGISTER_MAX_PER_ADDRESS, HOUR),
    logger,
    refusals: createLogSampler(MINUTE),
  }
}

export const tooManyAttempts = (seconds: number) =>
  new TooManyRequestsError(`Too many attempts; try again in ${seconds} s.`, seconds)

type LimitName = 'pair' | 'address' | 'account' | 'registrations'

/** A refusal: logged (sampled) as a security event, then the 429. */
function refuse(limiters: AuthLimiters, limit: LimitName, key: string, caller: Caller, now: number, seconds: number, account?: string): never {
  const skipped = limiters.refusals.take(`${limit} ${key}`, now)
  if (skipped !== null) {
    logSecurityEvent(
      limiters.logger,
      'rate_limited',
      { request_id: caller.requestId, limit, account, address: caller.address, retry_after: seconds, skipped },
      'request refused by a rate limit',
    )
  }
  throw tooManyAttempts(seconds)
}

/** Counts one sign-up attempt of the caller's address; 429 over REGISTER_MAX_PER_ADDRESS an hour. */
export async function countRegistration(limiters: AuthLimiters, clock: Clock, caller: Caller) {
  const now = clock.now().getTime()
  const wait = await limiters.registrationsPerAddress.take(caller.address, now)
  if (wait) refuse(limiters, 'registrations', caller.address, caller, now, wait)
}

/** Forgets an account's failed logins: its ceiling, and its pair with `address`. */
export async function clearLoginFailures(limiters: AuthLimiters, account: string, address: string) {
  await limiters.failuresPerPair.reset(`${account} ${address}`)
  await limiters.failuresPerAccount.reset(account)
}

/**
 * A password check under the failed-login limits of `account` from the caller's address (a login,
 * or the current password of a password change). The attempt is counted before the slow hash check
 * and given back if it succeeds: counted only afterwards, a burst of concurrent guesses would all
 * pass the limit before the first of them failed. A success also clears the pair's failures and
 * makes the address known to the account. While a limit that applies is full, even the right
 * password gets 429.
 */
export async function limitedPasswordCheck(
  limiters: AuthLimiters,
  clock: Clock,
  account: string,
  caller: Caller,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const now = clock.now().getTime()
  const pair = `${account} ${caller.address}`
  const known = await limiters.knownAddresses.has(pair, now)
  const limits: [LimitName, RateLimiter, string][] = [
    ['pair', limiters.failuresPerPair, pair],
    ['address', limiters.failuresPerAddress, caller.address],
    ...(known ? [] : [['account', limiters.failuresPerAccount, account] as [LimitName, RateLimiter, string]]),
  ]
  const taken: [LimitName, RateLimiter, string][] = []
  for (const limit of limits) {
    const [name, limiter, key] = limit
    const wait = await limiter.take(key, now)
    if (wait) {
      for (const [, counted, countedKey] of taken) await counted.refund(countedKey, now)
      refuse(limiters, name, key, caller, now, wait, account)
    }
    taken.push(limit)
  }
  const ok = await check()
  if (ok) {
    await limiters.failuresPerPair.reset(pair)
    await limiters.failuresPerAddress.refund(caller.address, now)
    if (!known) await limiters.failuresPerAccount.refund(account, now)
    await limiters.knownAddresses.add(pair, now)
    return true
  }
  // The failure that fills a limit is the moment it locks: said once, at warn.
  for (const [name, limiter, key] of taken) {
    const locked = await limiter.retryAfter(key, now)
    if (locked) {
      logSecurityEvent(
        limiters.logger,
        'login_locked',
        { request_id: caller.requestId, limit: name, account, address: caller.address, retry_after: locked },
        `failed-login limit reached (${name})`,
      )
    }
  }
  return false
}
