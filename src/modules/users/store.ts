import type { Database } from 'bun:sqlite'
import { and, count, desc, eq, lt, or, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../../db/client.ts'
import type { RawRow } from '../../db/rows.ts'
import { refreshTokens, users, type Role } from '../../db/schema.ts'
import { immediateTransaction } from '../../db/transaction.ts'

/*
 * Accounts and their sessions (users, refresh_tokens): the only place the identity SQL lives,
 * for the users and auth modules and the auth plugin alike. The interface is async; the SQLite
 * implementation is synchronous inside, so each transaction lives within one method.
 */

export type UserRow = typeof users.$inferSelect
type RefreshRow = Pick<RawRow<typeof refreshTokens>, 'id' | 'user_id' | 'family_id' | 'expires_at' | 'rotated_at' | 'revoked_at'>

/** What every authenticated request checks a token against. */
export interface UserAuthFacts {
  id: string
  role: Role
  active: boolean
  tokenVersion: number
}

export interface UserFilter {
  limit: number
  q?: string
  role?: Role
  active?: boolean
  /** Keyset position: rows strictly before (createdAt, id) in newest-first order. */
  before?: [createdAt: string, id: string]
}

export type UserChanges = Pick<UserRow, 'name' | 'email' | 'role' | 'active' | 'passwordHash' | 'emailVerifiedAt' | 'updatedAt'>

export interface NewRefreshToken {
  id: string
  userId: string
  familyId: string
  tokenHash: string
  expiresAt: string
  createdAt: string
}

export type Rotation =
  /** `reused`: a rotated token was presented again (its family is now revoked). */
  | { error: string; reused?: { userId: string; familyId: string } }
  | { user: { id: string; role: Role; tokenVersion: number }; familyId: string; next: NewRefreshToken }

export interface UserStore {
  findUser(id: string): Promise<UserRow | undefined>
  findUserByEmail(email: string): Promise<UserRow | undefined>
  authFacts(id: string): Promise<UserAuthFacts | undefined>
  /**
   * Throws the driver's UNIQUE violation when the email is taken. `alsoInTransaction` runs,
   * synchronously, in the insert's transaction (registration queues its verification email there).
   */
  insertUser(row: UserRow, alsoInTransaction?: (row: UserRow) => void): Promise<void>
  /** Up to `limit` rows newest first. */
  listUsers(filter: UserFilter): Promise<UserRow[]>
  countOtherActiveAdmins(id: string): Promise<number>
  /**
   * Sets the fields in one transaction; with `revoke`, also bumps the token version and revokes
   * every live refresh token of the user. Throws the UNIQUE violation when the email is taken.
   */
  updateUser(id: string, changes: UserChanges, revoke: boolean): Promise<void>
  /** New password hash, token version bumped, every refresh token but family `keepSession`'s revoked: one transaction. */
  setPassword(id: string, passwordHash: string, at: string, keepSession?: string): Promise<void>
  /**
   * The create-admin command: promotes, reactivates and re-keys an existing account (token
   * version bumped, refresh tokens revoked, in one transaction), or inserts a new admin.
   */
  upsertAdmin(input: { email: string; name?: string; passwordHash: string; at: string }): Promise<'promoted' | 'created'>

  /** Deletes the user's expired refresh tokens (at each login, so the table stays bounded). */
  pruneRefreshTokens(userId: string, now: string): Promise<void>
  insertRefreshToken(token: NewRefreshToken): Promise<void>
  /**
   * Rotates the refresh token with this hash into `next` (which takes its family), in one
   * transaction, so of two concurrent uses one wins. Reuse of an already rotated token revokes
   * its whole family.
   */
  rotateRefreshToken(tokenHash: string, now: string, next: (user: { id: string; familyId: string }) => NewRefreshToken): Promise<Rotation>
  /** True while the user's refresh-token family `familyId` has a token neither revoked nor expired. */
  isSessionLive(familyId: string, userId: string, now: string): Promise<boolean>
  /** Revokes the family of the token with this hash; unknown hashes change nothing. */
  revokeRefreshFamily(tokenHash: string, now: string): Promise<void>
}

export function createUserStore(sqlite: Database, db: Db): UserStore {
  // Every authenticated /users/me call and every login reads a user: prepared once.
  const byId = db.select().from(users).where(eq(users.id, sql.placeholder('id'))).prepare()
  const byEmail = db.select().from(users).where(eq(users.email, sql.placeholder('email'))).prepare()
  const selectFacts = sqlite.prepare<Pick<RawRow<typeof users>, 'id' | 'role' | 'active' | 'token_version'>, [string]>(
    'SELECT id, role, active, token_version FROM users WHERE id = ?',
  )
  const facts = (id: string): UserAuthFacts | undefined => {
    const row = selectFacts.get(id)
    return row ? { id: row.id, role: row.role, active: row.active === 1, tokenVersion: row.token_version } : undefined
  }
  const revokeAll = sqlite.prepare<void, [string, string]>('UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL')
  const revokeAllBut = sqlite.prepare<void, [string, string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND family_id != ?',
  )
  const liveSession = sqlite.prepare<{ one: number }, [string, string, string]>(
    'SELECT 1 AS one FROM refresh_tokens WHERE family_id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ? LIMIT 1',
  )
  const findRefresh = sqlite.prepare<RefreshRow, [string]>(
    'SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ?',
  )
  const insertRefresh = sqlite.prepare<void, [string, string, string, string, string, string]>(
    'INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const markRotated = sqlite.prepare<void, [string, string]>('UPDATE refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL')
  const revokeFamily = sqlite.prepare<void, [string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
  )
  const pruneExpired = sqlite.prepare<void, [string, string]>('DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at <= ?')
  const mint = (token: NewRefreshToken) =>
    insertRefresh.run(token.id, token.userId, token.familyId, token.tokenHash, token.expiresAt, token.createdAt)

  return {
    async findUser(id) {
      return byId.get({ id })
    },
    async findUserByEmail(email) {
      return byEmail.get({ email })
    },
    async authFacts(id) {
      return facts(id)
    },
    async insertUser(row, alsoInTransaction) {
      immediateTransaction(sqlite, () => {
        db.insert(users).values(row).run()
        alsoInTransaction?.(row)
      })
    },
    async listUsers(filter) {
      const filters: (SQL | undefined)[] = []
      if (filter.q) {
        const pattern = `%${filter.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
        filters.push(or(sql`${users.email} LIKE ${pattern} ESCAPE '\\'`, sql`lower(${users.name}) LIKE ${pattern} ESCAPE '\\'`))
      }
      if (filter.role) filters.push(eq(users.role, filter.role))
      if (filter.active !== undefined) filters.push(eq(users.active, filter.active))
      if (filter.before) {
        const [createdAt, id] = filter.before
        filters.push(or(lt(users.createdAt, createdAt), and(eq(users.createdAt, createdAt), lt(users.id, id))))
      }
      return db
        .select()
        .from(users)
        .where(and(...filters))
        .orderBy(desc(users.createdAt), desc(users.id))
        .limit(filter.limit)
        .all()
    },
    async countOtherActiveAdmins(id) {
      return db
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.active, true), sql`${users.id} != ${id}`))
        .get()!.n
    },
    async updateUser(id, changes, revoke) {
      immediateTransaction(sqlite, () => {
        db.update(users)
          .set({ ...changes, ...(revoke ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}) })
          .where(eq(users.id, id))
          .run()
        if (revoke) revokeAll.run(changes.updatedAt, id)
      })
    },
    async setPassword(id, passwordHash, at, keepSession) {
      immediateTransaction(sqlite, () => {
        db.update(users)
          .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: at })
          .where(eq(users.id, id))
          .run()
        if (keepSession) revokeAllBut.run(at, id, keepSession)
        else revokeAll.run(at, id)
      })
    },
    async upsertAdmin({ email, name, passwordHash, at }) {
      return immediateTransaction(sqlite, () => {
        const existing = byEmail.get({ email })
        if (existing) {
          db.update(users)
            .set({
              role: 'admin',
              active: true,
              passwordHash,
              ...(name !== undefined ? { name } : {}),
              tokenVersion: sql`${users.tokenVersion} + 1`,
              updatedAt: at,
            })
            .where(eq(users.id, existing.id))
            .run()
          // A password reset must end the account's sessions, or a stolen refresh token outlives it.
          revokeAll.run(at, existing.id)
          return 'promoted' as const
        }
        db.insert(users)
          .values({ id: Bun.randomUUIDv7(), email, name: name ?? 'Administrator', passwordHash, role: 'admin', active: true, tokenVersion: 0, createdAt: at, updatedAt: at })
          .run()
        return 'created' as const
      })
    },

    async pruneRefreshTokens(userId, now) {
      pruneExpired.run(userId, now)
    },
    async insertRefreshToken(token) {
      mint(token)
    },
    async rotateRefreshToken(tokenHash, now, next) {
      return immediateTransaction(sqlite, (): Rotation => {
        const row = findRefresh.get(tokenHash)
        if (!row || row.revoked_at) return { error: 'The refresh token is invalid or has been revoked.' }
        if (row.rotated_at) {
          // Reuse of a rotated token means it leaked: end the whole family.
          revokeFamily.run(now, row.family_id)
          return { error: 'The refresh token has already been used; its session is revoked.', reused: { userId: row.user_id, familyId: row.family_id } }
        }
        if (row.expires_at <= now) return { error: 'The refresh token has expired.' }
        const user = facts(row.user_id)
        if (!user || !user.active) return { error: 'The account is inactive.' }
        markRotated.run(now, row.id)
        const token = next({ id: user.id, familyId: row.family_id })
        mint(token)
        return { user: { id: user.id, role: user.role, tokenVersion: user.tokenVersion }, familyId: row.family_id, next: token }
      })
    },
    async isSessionLive(familyId, userId, now) {
      return liveSession.get(familyId, userId, now) !== null
    },
    async revokeRefreshFamily(tokenHash, now) {
      const row = findRefresh.get(tokenHash)
      if (row) revokeFamily.run(now, row.family_id)
    },
  }
}
