import type { SQL, TransactionSQL } from 'bun'
import { deferWrite, withDeferredWrites } from '../../db/pg/deferred-writes.ts'
import { isUniqueViolation } from '../../db/pg/client.ts'
import type { AccountTokenPurpose } from '../../db/schema.ts'
import type { EmailStore } from '../email/store.ts'
import type { ComposedEmail } from '../email/templates/layout.ts'
import type { AccountRow, NewToken, RecoveryStore, VerifyOutcome } from './recovery-store.ts'

/*
 * Password recovery and email verification on PostgreSQL, the twin of recovery-store.ts: each
 * change and the email it causes commit in one transaction. A token is used by a guarded update
 * (`used_at IS NULL`) on its locked row, so of two concurrent uses exactly one succeeds; the
 * account row is locked before it is changed.
 */

type AccountSql = { id: string; email: string; name: string; active: boolean; email_verified_at: string | null }
type TokenSql = { id: string; user_id: string; purpose: AccountTokenPurpose; email: string }

const toAccount = (row: AccountSql | undefined): AccountRow | undefined =>
  row ? { id: row.id, email: row.email, name: row.name, active: row.active, emailVerified: row.email_verified_at !== null } : undefined

export function createPgRecoveryStore(sql: SQL, emails: EmailStore): RecoveryStore {
  const supersede = (tx: TransactionSQL, userId: string, purpose: AccountTokenPurpose, now: string) =>
    tx`UPDATE account_tokens SET used_at = ${now} WHERE user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`

  const lockLiveToken = async (tx: TransactionSQL, tokenHash: string, now: string): Promise<TokenSql | undefined> =>
    ((await tx`
      SELECT id, user_id, purpose, email FROM account_tokens
      WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now} FOR UPDATE`) as TokenSql[])[0]

  const lockAccount = async (tx: TransactionSQL, id: string): Promise<AccountRow | undefined> =>
    toAccount(((await tx`SELECT id, email, name, active, email_verified_at FROM users WHERE id = ${id} FOR NO KEY UPDATE`) as AccountSql[])[0])

  /** True when this transaction used the token (false: a concurrent use got there first). */
  const useToken = async (tx: TransactionSQL, id: string, now: string) =>
    (await tx`UPDATE account_tokens SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL RETURNING id`).length === 1

  /** Supersedes the user's older tokens of this purpose, stores the new one, queues its email: inside a store's transaction. */
  function issueInTransaction(userId: string, token: NewToken, message: ComposedEmail, now: string) {
    deferWrite((tx) => supersede(tx, userId, token.purpose, now), 'RecoveryStore.issueInTransaction')
    deferWrite(
      (tx) => tx`
        INSERT INTO account_tokens (id, user_id, purpose, token_hash, email, expires_at, created_at)
        VALUES (${Bun.randomUUIDv7()}, ${userId}, ${token.purpose}, ${token.hash}, ${token.email}, ${token.expiresAt}, ${now})`,
      'RecoveryStore.issueInTransaction',
    )
    emails.enqueueInTransaction(token.email, message, now)
  }

  return {
    issueInTransaction,
    async accountByEmail(email) {
      const [row] = (await sql`SELECT id, email, name, active, email_verified_at FROM users WHERE email = ${email}`) as AccountSql[]
      return toAccount(row)
    },
    async accountById(id) {
      const [row] = (await sql`SELECT id, email, name, active, email_verified_at FROM users WHERE id = ${id}`) as AccountSql[]
      return toAccount(row)
    },
    async emailTakenByOther(email, userId) {
      return (await sql`SELECT id FROM users WHERE email = ${email} AND id != ${userId}`).length > 0
    },
    async isLiveResetToken(tokenHash, now) {
      const [row] = await sql`SELECT purpose FROM account_tokens WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now}`
      return row?.purpose === 'password_reset'
    },
    async isVerified(userId) {
      const [row] = await sql`SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = ${userId}`
      return row?.verified === true
    },

    async sweep(now) {
      return (await sql`DELETE FROM account_tokens WHERE used_at IS NOT NULL OR expires_at <= ${now}`).count
    },

    async issue(userId, token, message, now) {
      await sql.begin(async (tx) => {
        // An unknown account runs the same transaction minus the rows, so both cost about the same.
        if (userId === undefined) await supersede(tx, '', token.purpose, now)
        else await withDeferredWrites(tx, () => issueInTransaction(userId, token, message, now))
      })
    },

    async confirmReset(tokenHash, passwordHash, now, notice) {
      return sql.begin(async (tx) => {
        const token = await lockLiveToken(tx, tokenHash, now)
        if (!token || token.purpose !== 'password_reset') return undefined
        const account = await lockAccount(tx, token.user_id)
        if (!account || !account.active) return undefined
        if (!(await useToken(tx, token.id, now))) return undefined
        await supersede(tx, account.id, 'password_reset', now)
        await tx`UPDATE users SET password_hash = ${passwordHash}, token_version = token_version + 1, updated_at = ${now} WHERE id = ${account.id}`
        await tx`UPDATE refresh_tokens SET revoked_at = ${now} WHERE user_id = ${account.id} AND revoked_at IS NULL`
        await withDeferredWrites(tx, () => emails.enqueueInTransaction(account.email, notice(account), now))
        return account
      })
    },

    async verify(tokenHash, now) {
      try {
        return await sql.begin(async (tx): Promise<VerifyOutcome> => {
          const token = await lockLiveToken(tx, tokenHash, now)
          if (!token || token.purpose === 'password_reset') return { result: 'invalid' }
          const account = await lockAccount(tx, token.user_id)
          if (!account || !account.active) return { result: 'invalid' }
          const changesEmail = token.purpose === 'change_email'
          // The address changed since this link was sent: it proves nothing about the current one.
          if (!changesEmail && token.email !== account.email) return { result: 'invalid' }
          if (changesEmail && (await tx`SELECT id FROM users WHERE email = ${token.email} AND id != ${account.id}`).length > 0) {
            return { result: 'taken' }
          }
          if (!(await useToken(tx, token.id, now))) return { result: 'invalid' }
          if (!changesEmail) await tx`UPDATE users SET email_verified_at = ${now} WHERE id = ${account.id}`
          else {
            await tx`UPDATE users SET email = ${token.email}, email_verified_at = ${now}, updated_at = ${now} WHERE id = ${account.id}`
            // Links sent to the old address no longer mean anything.
            await supersede(tx, account.id, 'verify_email', now)
          }
          return { result: 'verified', userId: account.id }
        })
      } catch (error) {
        // A sign-up took the address between the check above and the update (SQLite's write lock rules that out).
        if (isUniqueViolation(error, 'users_email_unique')) return { result: 'taken' }
        throw error
      }
    },
  }
}
