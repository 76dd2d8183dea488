import type { SQL, TransactionSQL } from 'bun'
import { isUniqueViolation } from '../../db/pg/client.ts'
import { withDeferredWrites } from '../../db/pg/deferred-writes.ts'
import { checkCursorKey, hasNul, refuseNulText } from '../../db/pg/nul.ts'
import type { Role } from '../../db/schema.ts'
import { UniqueViolationError } from '../../db/unique.ts'
import type { NewRefreshToken, Rotation, UserAuthFacts, UserRow, UserStore } from './store.ts'

/*
 * Accounts and their sessions on PostgreSQL, the twin of store.ts. Lock order: every change to a
 * user's refresh tokens that spans more than one row first locks the user's row (an UPDATE of
 * users does that too), so rotations, revocations and password changes of one account run one
 * at a time, as under SQLite's write lock, and can't deadlock one another.
 */

type RefreshSql = { id: string; user_id: string; family_id: string; expires_at: string; rotated_at: string | null; revoked_at: string | null }
type FactsSql = { id: string; role: Role; active: boolean; token_version: number }

const toFacts = (row: FactsSql): UserAuthFacts => ({ id: row.id, role: row.role, active: row.active, tokenVersion: row.token_version })

/** The email's UNIQUE violation as the error the service maps to 409; anything else as it came. */
function uniqueEmail(error: unknown): unknown {
  return isUniqueViolation(error, 'users_email_unique') ? new UniqueViolationError('users_email_unique', { cause: error }) : error
}

export function createPgUserStore(sql: SQL): UserStore {
  /** Takes the account's session lock (see above); its auth facts, or undefined when there is no such user. */
  const lockUser = async (tx: TransactionSQL, id: string): Promise<FactsSql | undefined> =>
    ((await tx`SELECT id, role, active, token_version FROM users WHERE id = ${id} FOR NO KEY UPDATE`) as FactsSql[])[0]

  const revokeAll = (tx: TransactionSQL, userId: string, at: string) =>
    tx`UPDATE refresh_tokens SET revoked_at = ${at} WHERE user_id = ${userId} AND revoked_at IS NULL`
  const revokeFamily = (tx: TransactionSQL, familyId: string, at: string) =>
    tx`UPDATE refresh_tokens SET revoked_at = ${at} WHERE family_id = ${familyId} AND revoked_at IS NULL`
  const mint = (tx: SQL, token: NewRefreshToken) =>
    tx`INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at)
       VALUES (${token.id}, ${token.userId}, ${token.familyId}, ${token.tokenHash}, ${token.expiresAt}, ${token.createdAt})`

  return {
    // Every authenticated /users/me call and every login reads a user: static statements, prepared per connection.
    // A key or filter with a NUL names no row, text to store with one is a 422 (src/db/pg/nul.ts).
    async findUser(id) {
      if (hasNul(id)) return undefined
      const [row] = (await sql`
        SELECT id, email, name, password_hash AS "passwordHash", role, active, token_version AS "tokenVersion",
          email_verified_at AS "emailVerifiedAt", created_at AS "createdAt", updated_at AS "updatedAt"
        FROM users WHERE id = ${id}`) as UserRow[]
      return row
    },
    async findUserByEmail(email) {
      if (hasNul(email)) return undefined
      const [row] = (await sql`
        SELECT id, email, name, password_hash AS "passwordHash", role, active, token_version AS "tokenVersion",
          email_verified_at AS "emailVerifiedAt", created_at AS "createdAt", updated_at AS "updatedAt"
        FROM users WHERE email = ${email}`) as UserRow[]
      return row
    },
    async authFacts(id) {
      if (hasNul(id)) return undefined
      const [row] = (await sql`SELECT id, role, active, token_version FROM users WHERE id = ${id}`) as FactsSql[]
      return row ? toFacts(row) : undefined
    },
    async insertUser(row, alsoInTransaction) {
      refuseNulText({ '/name': row.name, '/email': row.email })
      try {
        await sql.begin(async (tx) => {
          await tx`
            INSERT INTO users (id, email, name, password_hash, role, active, token_version, email_verified_at, created_at, updated_at)
            VALUES (${row.id}, ${row.email}, ${row.name}, ${row.passwordHash}, ${row.role}, ${row.active}, ${row.tokenVersion},
              ${row.emailVerifiedAt}, ${row.createdAt}, ${row.updatedAt})`
          // Registration queues its verification email here: it commits with the user or not at all.
          if (alsoInTransaction) await withDeferredWrites(tx, () => alsoInTransaction(row))
        })
      } catch (error) {
        throw uniqueEmail(error)
      }
    },
    async listUsers(filter) {
      if (filter.before) checkCursorKey(filter.before)
      // One statement per combination of filters (a fixed set of shapes); the order is the SQLite store's.
      const where = [sql`TRUE`]
      if (filter.q) {
        // SQLite's LIKE ignores ASCII case only: lower() of "C"-collated text lowers ASCII only, too.
        const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        // SQLite's LIKE reads its pattern up to a NUL (PostgreSQL can't bind one): the same cut here.
        const cut = pattern.indexOf('\u0000')
        const like = cut < 0 ? pattern : pattern.slice(0, cut)
        where.push(sql`AND (lower(email) LIKE ${like} ESCAPE '\\' OR lower(name) LIKE ${like} ESCAPE '\\')`)
      }
      if (filter.role) where.push(sql`AND role = ${filter.role}`)
      if (filter.active !== undefined) where.push(sql`AND active = ${filter.active}`)
      if (filter.before) {
        const [createdAt, id] = filter.before
        where.push(sql`AND (created_at < ${createdAt} OR (created_at = ${createdAt} AND id < ${id}))`)
      }
      const rows = (await sql`
        SELECT id, email, name, password_hash AS "passwordHash", role, active, token_version AS "tokenVersion",
          email_verified_at AS "emailVerifiedAt", created_at AS "createdAt", updated_at AS "updatedAt"
        FROM users WHERE ${where}
        ORDER BY created_at DESC, id DESC LIMIT ${filter.limit}`) as UserRow[]
      return [...rows]
    },
    async countOtherActiveAdmins(id) {
      const [row] = await sql`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND active AND id != ${id}`
      return row.n as number
    },
    async updateUser(id, changes, revoke) {
      refuseNulText({ '/name': changes.name, '/email': changes.email })
      if (hasNul(id)) return
      try {
        await sql.begin(async (tx) => {
          await tx`
            UPDATE users SET name = ${changes.name}, email = ${changes.email}, role = ${changes.role}, active = ${changes.active},
              password_hash = ${changes.passwordHash}, email_verified_at = ${changes.emailVerifiedAt}, updated_at = ${changes.updatedAt},
              token_version = token_version + ${revoke ? 1 : 0}
            WHERE id = ${id}`
          if (revoke) await revokeAll(tx, id, changes.updatedAt)
        })
      } catch (error) {
        throw uniqueEmail(error)
      }
    },
    async setPassword(id, passwordHash, at, keepSession) {
      await sql.begin(async (tx) => {
        await tx`UPDATE users SET password_hash = ${passwordHash}, token_version = token_version + 1, updated_at = ${at} WHERE id = ${id}`
        if (keepSession) {
          await tx`UPDATE refresh_tokens SET revoked_at = ${at} WHERE user_id = ${id} AND revoked_at IS NULL AND family_id != ${keepSession}`
        } else await revokeAll(tx, id, at)
      })
    },
    async upsertAdmin({ email, name, passwordHash, at }) {
      return sql.begin(async (tx) => {
        const promote = async (existingId: string) => {
          await tx`
            UPDATE users SET role = 'admin', active = TRUE, password_hash = ${passwordHash}, name = COALESCE(${name ?? null}, name),
              token_version = token_version + 1, updated_at = ${at}
            WHERE id = ${existingId}`
          // A password reset must end the account's sessions, or a stolen refresh token outlives it.
          await revokeAll(tx, existingId, at)
          return 'promoted' as const
        }
        const [existing] = await tx`SELECT id FROM users WHERE email = ${email} FOR NO KEY UPDATE`
        if (existing) return promote(existing.id)
        const created = await tx`
          INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
          VALUES (${Bun.randomUUIDv7()}, ${email}, ${name ?? 'Administrator'}, ${passwordHash}, 'admin', TRUE, 0, ${at}, ${at})
          ON CONFLICT (email) DO NOTHING RETURNING id`
        if (created.length === 1) return 'created' as const
        // Another create-admin inserted the address meanwhile (and has committed): promote that account.
        const [raced] = await tx`SELECT id FROM users WHERE email = ${email} FOR NO KEY UPDATE`
        return promote(raced.id)
      })
    },

    async pruneRefreshTokens(userId, now) {
      await sql.begin(async (tx) => {
        await lockUser(tx, userId)
        await tx`DELETE FROM refresh_tokens WHERE user_id = ${userId} AND expires_at <= ${now}`
      })
    },
    async insertRefreshToken(token) {
      await mint(sql, token)
    },
    async rotateRefreshToken(tokenHash, now, next) {
      return sql.begin(async (tx): Promise<Rotation> => {
        const invalid: Rotation = { error: 'The refresh token is invalid or has been revoked.' }
        const [owner] = await tx`SELECT user_id FROM refresh_tokens WHERE token_hash = ${tokenHash}`
        if (!owner) return invalid
        const user = await lockUser(tx, owner.user_id)
        // Read again under the lock: a concurrent rotation of this token has committed by now.
        const [row] = (await tx`
          SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ${tokenHash}`) as RefreshSql[]
        if (!row || row.revoked_at) return invalid
        const reused = async (): Promise<Rotation> => {
          // Reuse of a rotated token means it leaked: end the whole family.
          await revokeFamily(tx, row.family_id, now)
          return { error: 'The refresh token has already been used; its session is revoked.', reused: { userId: row.user_id, familyId: row.family_id } }
        }
        if (row.rotated_at) return reused()
        if (row.expires_at <= now) return { error: 'The refresh token has expired.' }
        if (!user || !user.active) return { error: 'The account is inactive.' }
        // Guarded: of two rotations of one token, only one can mark it.
        const marked = await tx`UPDATE refresh_tokens SET rotated_at = ${now} WHERE id = ${row.id} AND rotated_at IS NULL AND revoked_at IS NULL RETURNING id`
        if (marked.length === 0) return reused()
        const token = next({ id: user.id, familyId: row.family_id })
        await mint(tx, token)
        return { user: { id: user.id, role: user.role, tokenVersion: user.token_version }, familyId: row.family_id, next: token }
      })
    },
    async isSessionLive(familyId, userId, now) {
      const rows = await sql`
        SELECT 1 AS one FROM refresh_tokens WHERE family_id = ${familyId} AND user_id = ${userId} AND revoked_at IS NULL AND expires_at > ${now} LIMIT 1`
      return rows.length > 0
    },
    async revokeRefreshFamily(tokenHash, now) {
      await sql.begin(async (tx) => {
        const [row] = await tx`SELECT user_id, family_id FROM refresh_tokens WHERE token_hash = ${tokenHash}`
        if (!row) return
        await lockUser(tx, row.user_id)
        await revokeFamily(tx, row.family_id, now)
      })
    },
  }
}
