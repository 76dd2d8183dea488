import type { Database } from 'bun:sqlite'
import type { AccountTokenPurpose } from '../../db/schema.ts'
import type { EmailStore } from '../email/store.ts'
import type { ComposedEmail } from '../email/templates/layout.ts'

/*
 * The only SQL of password recovery and email verification. Each change and the email it causes
 * are one synchronous transaction (bun:sqlite commits at the first await), behind async methods.
 */

export interface AccountRow {
  id: string
  email: string
  name: string
  active: boolean
  emailVerified: boolean
}

export interface NewToken {
  purpose: AccountTokenPurpose
  hash: string
  /** The address the token is mailed to (for change_email, the new one). */
  email: string
  expiresAt: string
}

export type VerifyOutcome = { result: 'verified'; userId: string } | { result: 'invalid' } | { result: 'taken' }

type AccountSql = { id: string; email: string; name: string; active: number; email_verified_at: string | null }
const toAccount = (row: AccountSql | null): AccountRow | undefined =>
  row ? { id: row.id, email: row.email, name: row.name, active: row.active === 1, emailVerified: row.email_verified_at !== null } : undefined

export function createRecoveryStore(sqlite: Database, emails: EmailStore) {
  const accountColumns = 'id, email, name, active, email_verified_at FROM users'
  const accountByEmail = sqlite.prepare<AccountSql, [string]>(`SELECT ${accountColumns} WHERE email = ?`)
  const accountById = sqlite.prepare<AccountSql, [string]>(`SELECT ${accountColumns} WHERE id = ?`)
  const verifiedById = sqlite.prepare<{ verified: number }, [string]>(
    'SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = ?',
  )
  const supersede = sqlite.prepare<void, [string, string, string]>(
    'UPDATE account_tokens SET used_at = ? WHERE user_id = ? AND purpose = ? AND used_at IS NULL',
  )
  const insertToken = sqlite.prepare<void, [string, string, string, string, string, string, string]>(
    'INSERT INTO account_tokens (id, user_id, purpose, token_hash, email, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  )
  type TokenSql = { id: string; user_id: string; purpose: AccountTokenPurpose; email: string }
  const liveToken = sqlite.prepare<TokenSql, [string, string]>(
    'SELECT id, user_id, purpose, email FROM account_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
  )
  const useToken = sqlite.prepare<void, [string, string]>('UPDATE account_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL')
  const setPassword = sqlite.prepare<void, [string, string, string]>(
    'UPDATE users SET password_hash = ?, token_version = token_version + 1, updated_at = ? WHERE id = ?',
  )
  const revokeRefreshTokens = sqlite.prepare<void, [string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
  )
  const markVerified = sqlite.prepare<void, [string, string]>('UPDATE users SET email_verified_at = ? WHERE id = ?')
  const sweep = sqlite.prepare<void, [string]>('DELETE FROM account_tokens WHERE used_at IS NOT NULL OR expires_at <= ?')
  const emailOwner = sqlite.prepare<{ id: string }, [string, string]>('SELECT id FROM users WHERE email = ? AND id != ?')
  const changeEmail = sqlite.prepare<void, [string, string, string, string]>(
    'UPDATE users SET email = ?, email_verified_at = ?, updated_at = ? WHERE id = ?',
  )

  /** Supersedes the user's older tokens of this purpose, stores the new one, queues its email. Synchronous. */
  function issueInTransaction(userId: string, token: NewToken, message: ComposedEmail, now: string) {
    supersede.run(now, userId, token.purpose)
    insertToken.run(Bun.randomUUIDv7(), userId, token.purpose, token.hash, token.email, token.expiresAt, now)
    emails.enqueueInTransaction(token.email, message, now)
  }

  const issue = sqlite.transaction((userId: string | undefined, token: NewToken, message: ComposedEmail, now: string) => {
    // An unknown account runs the same transaction minus the rows, so both cost about the same.
    if (userId === undefined) supersede.run(now, '', token.purpose)
    else issueInTransaction(userId, token, message, now)
  })

  const confirmReset = sqlite.transaction(
    (tokenHash: string, passwordHash: string, now: string, notice: (account: AccountRow) => ComposedEmail): AccountRow | undefined => {
      const token = liveToken.get(tokenHash, now)
      if (!token || token.purpose !== 'password_reset') return undefined
      const account = toAccount(accountById.get(token.user_id))
      if (!account || !account.active) return undefined
      useToken.run(now, token.id)
      supersede.run(now, account.id, 'password_reset')
      setPassword.run(passwordHash, now, account.id)
      revokeRefreshTokens.run(now, account.id)
      emails.enqueueInTransaction(account.email, notice(account), now)
      return account
    },
  )

  const verify = sqlite.transaction((tokenHash: string, now: string): VerifyOutcome => {
    const token = liveToken.get(tokenHash, now)
    if (!token || token.purpose === 'password_reset') return { result: 'invalid' }
    const account = toAccount(accountById.get(token.user_id))
    if (!account || !account.active) return { result: 'invalid' }
    if (token.purpose === 'verify_email') {
      // The address changed since this link was sent: it proves nothing about the current one.
      if (token.email !== account.email) return { result: 'invalid' }
      markVerified.run(now, account.id)
    } else {
      if (emailOwner.get(token.email, account.id)) return { result: 'taken' }
      changeEmail.run(token.email, now, now, account.id)
      // Links sent to the old address no longer mean anything.
      supersede.run(now, account.id, 'verify_email')
    }
    useToken.run(now, token.id)
    return { result: 'verified', userId: account.id }
  })

  return {
    issueInTransaction,
    accountByEmail: async (email: string) => toAccount(accountByEmail.get(email)),
    accountById: async (id: string) => toAccount(accountById.get(id)),
    emailTakenByOther: async (email: string, userId: string) => emailOwner.get(email, userId) !== null,
    isLiveResetToken: async (tokenHash: string, now: string) => liveToken.get(tokenHash, now)?.purpose === 'password_reset',
    isVerified: async (userId: string) => verifiedById.get(userId)?.verified === 1,

    /** Deletes tokens that can never work again (used, superseded or expired); returns how many. */
    async sweep(now: string): Promise<number> {
      return sweep.run(now).changes
    },

    /** One transaction: older tokens of the purpose superseded, the new one stored, its email queued. */
    async issue(userId: string | undefined, token: NewToken, message: ComposedEmail, now: string) {
      issue.immediate(userId, token, message, now)
    },

    /**
     * Uses a live reset token: new password, every session revoked (token version and refresh
     * tokens), the notice queued, in one transaction. Returns the account, or undefined when the
     * token is unknown, used, expired or its account inactive.
     */
    async confirmReset(tokenHash: string, passwordHash: string, now: string, notice: (account: AccountRow) => ComposedEmail) {
      return confirmReset.immediate(tokenHash, passwordHash, now, notice)
    },

    /** Uses a live verification token: the address is verified (for an email change, it becomes the account's). */
    async verify(tokenHash: string, now: string): Promise<VerifyOutcome> {
      return verify.immediate(tokenHash, now)
    },
  }
}

export type RecoveryStore = ReturnType<typeof createRecoveryStore>
