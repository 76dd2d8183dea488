import type { AppContext } from '../../context.ts'
import { cacheKeys, invalidate } from '../../lib/cache.ts'
import type { Clock } from '../../lib/clock.ts'
import { BadRequestError, ConflictError, ForbiddenError } from '../../lib/errors.ts'
import type { EmailService } from '../email/service.ts'
import { passwordChangedEmail } from '../email/templates/password-changed.ts'
import { passwordResetEmail } from '../email/templates/password-reset.ts'
import { verifyEmail } from '../email/templates/verify-email.ts'
import { hashPassword, normaliseEmail } from '../users/service.ts'
import { hashOneTimeToken, newOneTimeToken } from './one-time-token.ts'
import type { AuthLimiters } from './limits.ts'
import { clearLoginFailures } from './limits.ts'
import { takeOrThrow, type RecoveryLimiters } from './recovery-limits.ts'
import type { AccountRow, NewToken, RecoveryStore } from './recovery-store.ts'

/** Where the links in emails point, under PUBLIC_URL (the shop's front end handles them and calls the API). */
export const LINK_PATHS = { resetPassword: '/reset-password', verifyEmail: '/verify-email' }

const invalidResetToken = () => new BadRequestError('The reset token is invalid or has expired.')
const invalidVerifyToken = () => new BadRequestError('The verification token is invalid or has expired.')

/**
 * Every password-reset request answers no sooner than this after it started. The work is the same
 * for known and unknown emails, but storing a token and a message costs a write the unknown path
 * doesn't make (measured ~150 µs at the median, ms at p90 under load); the floor hides it.
 */
export const RESET_ANSWER_FLOOR_MS = 50

/**
 * Waits until a performance.now() instant. Timers are whole milliseconds (a sleep of 49.8 ms lasts
 * 50), which would let the sub-millisecond difference through: the last ~2 ms are spun instead.
 */
async function until(deadline: number) {
  const coarse = deadline - performance.now() - 2
  if (coarse > 0) await Bun.sleep(coarse)
  while (performance.now() < deadline) {
    // spin
  }
}

const later = (clock: Clock, ms: number) => new Date(clock.now().getTime() + ms).toISOString()

/**
 * Password recovery by email and email verification. Each change and the email it causes are one
 * transaction (the mail outbox), so a mail exists if and only if its change committed.
 */
export function createRecoveryService(
  store: RecoveryStore,
  ctx: AppContext,
  mail: EmailService,
  limiters: RecoveryLimiters,
  loginLimiters?: AuthLimiters,
) {
  const { clock, config, cache } = ctx

  function verificationToken(account: { id: string; name: string }, email: string, change: boolean) {
    const token = newOneTimeToken()
    const issued: NewToken = {
      purpose: change ? 'change_email' : 'verify_email',
      hash: hashOneTimeToken(token),
      email,
      expiresAt: later(clock, config.EMAIL_VERIFY_TTL),
    }
    const message = verifyEmail({ name: account.name, link: mail.link(LINK_PATHS.verifyEmail, token), ttlMs: config.EMAIL_VERIFY_TTL, change })
    return { issued, message }
  }

  return {
    /**
     * POST /auth/password-reset. Known or not, the email costs the same work and gets the same
     * answer: a token is made and hashed, the message composed and one write transaction run
     * (which for an unknown or inactive account stores nothing), and the answer waits for a fixed floor.
     */
    async requestPasswordReset(rawEmail: string, address: string): Promise<void> {
      mail.requireConfigured()
      // Real time, not the injectable clock: this is about what a client can measure.
      const started = performance.now()
      const email = normaliseEmail(rawEmail)
      await takeOrThrow(clock, [
        [limiters.resetsPerAddress, address],
        [limiters.resetsPerEmail, email],
      ])
      const account = await store.accountByEmail(email)
      const token = newOneTimeToken()
      const issued: NewToken = { purpose: 'password_reset', hash: hashOneTimeToken(token), email, expiresAt: later(clock, config.PASSWORD_RESET_TTL) }
      const message = passwordResetEmail({
        name: account?.name ?? email,
        link: mail.link(LINK_PATHS.resetPassword, token),
        ttlMs: config.PASSWORD_RESET_TTL,
      })
      await store.issue(account?.active ? account.id : undefined, issued, message, clock.now().toISOString())
      await until(started + RESET_ANSWER_FLOOR_MS)
    },

    /** POST /auth/password-reset/confirm: one clear 400 for an unknown, used or expired token. */
    async confirmPasswordReset(token: string, newPassword: string, address: string): Promise<void> {
      mail.requireConfigured()
      const hash = hashOneTimeToken(token)
      // Checked before the (slow) password hash, and again in the transaction that uses it.
      if (!(await store.isLiveResetToken(hash, clock.now().toISOString()))) throw invalidResetToken()
      const passwordHash = await hashPassword(newPassword)
      const account = await store.confirmReset(hash, passwordHash, clock.now().toISOString(), (changed: AccountRow) =>
        passwordChangedEmail({ name: changed.name }),
      )
      if (!account) throw invalidResetToken()
      invalidate(cache, cacheKeys.userAuth(account.id))
      // Forgetting a password often follows failed logins: the owner, proven by the mailed token, may
      // sign in now from where they confirmed (the pair limit) and from anywhere (the account ceiling).
      if (loginLimiters) await clearLoginFailures(loginLimiters, account.email, address)
    },

    /** POST /auth/verify-email. */
    async verifyEmail(token: string): Promise<void> {
      mail.requireConfigured()
      const outcome = await store.verify(hashOneTimeToken(token), clock.now().toISOString())
      if (outcome.result === 'invalid') throw invalidVerifyToken()
      if (outcome.result === 'taken') {
        throw new ConflictError('That email address has been registered by another account meanwhile.', [{ path: '/token', message: 'address taken' }])
      }
    },

    /** POST /auth/verify-email/resend: a new link to the caller's current address; nothing when it is already verified. */
    async resendVerification(userId: string): Promise<void> {
      mail.requireConfigured()
      await takeOrThrow(clock, [[limiters.resendsPerUser, userId]])
      const account = await store.accountById(userId)
      if (!account || account.emailVerified) return
      const { issued, message } = verificationToken(account, account.email, false)
      await store.issue(account.id, issued, message, clock.now().toISOString())
    },

    /**
     * PATCH /users/me with a new email, while email is configured: the new address gets a link and
     * becomes the account's only once it is confirmed; until then the old one stays (and signs in).
     */
    async requestEmailChange(userId: string, rawEmail: string): Promise<void> {
      const email = normaliseEmail(rawEmail)
      const account = await store.accountById(userId)
      if (!account || account.email === email) return
      if (await store.emailTakenByOther(email, userId)) {
        throw new ConflictError('That email is already registered.', [{ path: '/email', message: 'already registered' }])
      }
      const { issued, message } = verificationToken(account, email, true)
      await store.issue(account.id, issued, message, clock.now().toISOString())
    },

    /**
     * Registration's verification email, queued inside the transaction that creates the user
     * (synchronous); undefined when email is not configured, so sign-up works as without it.
     */
    verificationOnSignUp(): ((user: { id: string; name: string; email: string }) => void) | undefined {
      if (!mail.configured) return undefined
      return (user) => {
        const { issued, message } = verificationToken(user, user.email, false)
        store.issueInTransaction(user.id, issued, message, clock.now().toISOString())
      }
    },

    /** With REQUIRE_VERIFIED_EMAIL=true, what POST /orders checks first. */
    async requireVerifiedToOrder(userId: string): Promise<void> {
      if (!config.REQUIRE_VERIFIED_EMAIL) return
      if (!(await store.isVerified(userId))) {
        throw new ForbiddenError('Your email address is not verified: confirm it (POST /auth/verify-email) before ordering.')
      }
    },
  }
}

export type RecoveryService = ReturnType<typeof createRecoveryService>
