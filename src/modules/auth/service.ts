import type { AppContext } from '../../context.ts'
import { ForbiddenError, TooManyRequestsError } from '../../lib/errors.ts'
import { createSlidingWindowLimiter, type RateLimiter } from '../../lib/rate-limit.ts'
import { hashPassword, type UserService } from '../users/service.ts'
import { OAuthError, type TokenService } from './tokens.ts'

const HOUR = 3_600_000

export interface AuthLimiters {
  failuresPerAccount: RateLimiter
  failuresPerAddress: RateLimiter
  registrationsPerAddress: RateLimiter
}

export function createAuthLimiters(config: AppContext['config']): AuthLimiters {
  return {
    failuresPerAccount: createSlidingWindowLimiter({ limit: config.LOGIN_MAX_FAILURES, windowMs: config.LOGIN_WINDOW }),
    failuresPerAddress: createSlidingWindowLimiter({ limit: config.LOGIN_MAX_FAILURES_PER_ADDRESS, windowMs: config.LOGIN_WINDOW }),
    registrationsPerAddress: createSlidingWindowLimiter({ limit: config.REGISTER_MAX_PER_ADDRESS, windowMs: HOUR }),
  }
}

/** Sign-up and password login, with the rate limits and constant-cost checks they need. */
export function createAuthService(ctx: AppContext, users: UserService, tokens: TokenService, limiters: AuthLimiters) {
  const { clock, config } = ctx
  // Verified against when the email is unknown, so an unknown account costs what a wrong password costs.
  let dummyHash: Promise<string> | undefined
  const dummy = () => (dummyHash ??= hashPassword(crypto.randomUUID()))

  const tooMany = (seconds: number) => new TooManyRequestsError(`Too many attempts; try again in ${seconds} s.`, seconds)

  return {
    async register(input: { email: string; password: string; name: string }, address: string) {
      if (!config.SIGNUP_ENABLED) throw new ForbiddenError('Sign-up is disabled on this server.')
      const now = clock.now().getTime()
      const wait = limiters.registrationsPerAddress.retryAfter(address, now)
      if (wait) throw tooMany(wait)
      limiters.registrationsPerAddress.hit(address, now)
      return users.create({ ...input, role: 'user' })
    },

    async login(username: string, password: string, address: string) {
      const account = username.trim().toLowerCase()
      const now = clock.now().getTime()
      const wait = Math.max(
        limiters.failuresPerAccount.retryAfter(account, now),
        limiters.failuresPerAddress.retryAfter(address, now),
      )
      if (wait) throw tooMany(wait)
      const user = users.findByEmail(account)
      const valid = await Bun.password.verify(password, user?.passwordHash ?? (await dummy()))
      if (!user || !valid || !user.active) {
        limiters.failuresPerAccount.hit(account, now)
        limiters.failuresPerAddress.hit(address, now)
        throw new OAuthError('invalid_grant', 'The email or password is wrong.')
      }
      limiters.failuresPerAccount.reset(account)
      return tokens.issue(user)
    },
  }
}

export type AuthService = ReturnType<typeof createAuthService>
