import type { AppContext } from '../../context.ts'
import { ForbiddenError } from '../../lib/errors.ts'
import { hashPassword, normaliseEmail, type UserService } from '../users/service.ts'
import { countRegistration, limitedPasswordCheck, type AuthLimiters, type Caller } from './limits.ts'
import type { RecoveryService } from './recovery.ts'
import { OAuthError, type TokenService } from './tokens.ts'

/** Sign-up and password login, with the rate limits and constant-cost checks they need. */
export function createAuthService(ctx: Pick<AppContext, 'clock' | 'config'>, users: UserService, tokens: TokenService, limiters: AuthLimiters, recovery?: RecoveryService) {
  const { clock, config } = ctx
  // Verified against when the email is unknown, so an unknown account costs what a wrong password costs.
  let dummyHash: Promise<string> | undefined
  const dummy = () => (dummyHash ??= hashPassword(crypto.randomUUID()))

  return {
    async register(input: { email: string; password: string; name: string }, caller: Caller) {
      if (!config.SIGNUP_ENABLED) throw new ForbiddenError('Sign-up is disabled on this server.')
      await countRegistration(limiters, clock, caller)
      return users.create({ ...input, role: 'user' }, recovery?.verificationOnSignUp())
    },

    async login(username: string, password: string, caller: Caller) {
      const account = normaliseEmail(username)
      const user = await users.findByEmail(account)
      // A deactivated account fails like a wrong password, after the same work, and counts as a failure.
      const valid = await limitedPasswordCheck(
        limiters,
        clock,
        account,
        caller,
        async () => (await Bun.password.verify(password, user?.passwordHash ?? (await dummy()))) && user?.active === true,
      )
      // Read again after the slow check: a password change or a deactivation committed meanwhile
      // has revoked every session, and must not be undone by one minted from the old state.
      const current = valid && user ? await users.find(user.id) : undefined
      if (!current || !current.active || current.passwordHash !== user?.passwordHash) {
        throw new OAuthError('invalid_grant', 'The email or password is wrong.')
      }
      return tokens.issue(current)
    },
  }
}

export type AuthService = ReturnType<typeof createAuthService>
