import type { AppContext } from '../../context.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import type { Role } from '../../db/schema.ts'
import { cacheKeys, invalidate } from '../../lib/cache.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { ConflictError, NotFoundError, UnauthorizedError, ValidationFailedError } from '../../lib/errors.ts'
import { limitedPasswordCheck, type AuthLimiters, type Caller } from '../auth/limits.ts'
import type { UserView } from './model.ts'
import type { UserRow, UserStore } from './store.ts'

export const toUserView = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active,
  email_verified: row.emailVerifiedAt !== null,
  created_at: row.createdAt,
  updated_at: row.updatedAt,
})

export const normaliseEmail = (email: string) => email.trim().toLowerCase()

/**
 * argon2id with OWASP's recommended floor (19 MiB, 2 passes): about a quarter of Bun's default
 * cost (64 MiB), so a 2-core server still answers logins in tens of milliseconds. The parameters
 * travel in each hash, so raising them later leaves existing hashes verifiable.
 */
export const hashPassword = (password: string) => Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: 19_456, timeCost: 2 })

/** Accounts: creation, profile, admin management. Knows nothing of HTTP. */
export function createUserService(store: UserStore, ctx: Pick<AppContext, 'clock' | 'cache'>, limiters: AuthLimiters) {
  const { clock, cache } = ctx
  const now = () => clock.now().toISOString()

  const find = (id: string) => store.findUser(id)
  const findByEmail = (email: string) => store.findUserByEmail(normaliseEmail(email))
  const require = async (id: string) => (await find(id)) ?? raise(new NotFoundError('No such user.'))

  const emailTaken = () => new ConflictError('That email is already registered.', [{ path: '/email', message: 'already registered' }])

  /** Role, active flag and token version are read by every authenticated request through a cache. */
  const forgetAuthFacts = (id: string) => invalidate(cache, cacheKeys.userAuth(id))

  /** `alsoInTransaction` runs (synchronously) in the transaction that inserts the user: registration queues its verification email there. */
  async function create(
    input: { email: string; password: string; name: string; role: Role },
    alsoInTransaction?: (user: UserRow) => void,
  ): Promise<UserView> {
    const email = normaliseEmail(input.email)
    if (await findByEmail(email)) throw emailTaken()
    const passwordHash = await hashPassword(input.password)
    const at = now()
    const row: UserRow = { id: Bun.randomUUIDv7(), email, name: input.name.trim() || input.name, passwordHash, role: input.role, active: true, tokenVersion: 0, emailVerifiedAt: null, createdAt: at, updatedAt: at }
    try {
      await store.insertUser(row, alsoInTransaction)
    } catch (error) {
      // Two registrations for one email raced past the check above.
      if (isUniqueViolation(error)) throw emailTaken()
      throw error
    }
    return toUserView(row)
  }

  async function list(query: { limit?: number; cursor?: string; q?: string; role?: Role; active?: boolean }) {
    const limit = query.limit ?? 20
    const before = query.cursor ? (decodeCursor(query.cursor, ['string', 'string']) as [string, string]) : undefined
    const rows = await store.listUsers({ limit: limit + 1, q: query.q, role: query.role, active: query.active, before })
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page.map(toUserView), next_cursor: rows.length > limit && last ? encodeCursor([last.createdAt, last.id]) : null }
  }

  /** `passwordHash` (an admin setting a password) revokes the user's sessions, as a role change does. */
  async function update(id: string, patch: { name?: string; email?: string; role?: Role; active?: boolean; passwordHash?: string }): Promise<UserView> {
    const current = await require(id)
    const next = { ...current }
    if (patch.name !== undefined) next.name = patch.name
    if (patch.email !== undefined) {
      next.email = normaliseEmail(patch.email)
      const owner = await findByEmail(next.email)
      if (owner && owner.id !== id) throw emailTaken()
      // A new address is unproven until its owner follows a verification link.
      if (next.email !== current.email) next.emailVerifiedAt = null
    }
    if (patch.passwordHash !== undefined) next.passwordHash = patch.passwordHash
    if (patch.role !== undefined) next.role = patch.role
    if (patch.active !== undefined) next.active = patch.active
    const stopsBeingActiveAdmin = current.role === 'admin' && current.active && (next.role !== 'admin' || !next.active)
    if (stopsBeingActiveAdmin && (await store.countOtherActiveAdmins(id)) === 0) {
      throw new ConflictError('This would leave no active administrator.')
    }
    // A role change or a deactivation must end every outstanding token at once.
    const revokes = next.role !== current.role || next.active !== current.active || patch.passwordHash !== undefined
    next.updatedAt = now()
    try {
      await store.updateUser(
        id,
        {
          name: next.name,
          email: next.email,
          role: next.role,
          active: next.active,
          passwordHash: next.passwordHash,
          emailVerifiedAt: next.emailVerifiedAt,
          updatedAt: next.updatedAt,
        },
        revokes,
      )
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken()
      throw error
    }
    if (revokes) forgetAuthFacts(id)
    return toUserView(next)
  }

  /**
   * Wrong current passwords count as failed logins of the account (and the address), so a
   * stolen access token can't be used to guess the password without limit. Every session but
   * `keepSession` (the caller's refresh-token family) is revoked; the version bump ends every
   * other access token, and the caller's survives because its family stays live.
   */
  async function changePassword(id: string, currentPassword: string, newPassword: string, caller: Caller, keepSession?: string) {
    const user = await require(id)
    if (!(await limitedPasswordCheck(limiters, clock, user.email, caller, () => Bun.password.verify(currentPassword, user.passwordHash)))) {
      throw new ValidationFailedError('The current password is wrong.', [{ path: '/current_password', message: 'wrong password' }])
    }
    const passwordHash = await hashPassword(newPassword)
    const at = now()
    await store.setPassword(id, passwordHash, at, keepSession)
    forgetAuthFacts(id)
  }

  /** The caller of a /users/me route, who must still exist and be active. */
  async function me(id: string): Promise<UserView> {
    const user = await find(id)
    if (!user || !user.active) throw new UnauthorizedError('The account no longer exists or is inactive.')
    return toUserView(user)
  }

  return {
    create,
    list,
    update,
    changePassword,
    me,
    get: async (id: string) => toUserView(await require(id)),
    deactivate: async (id: string) => void (await update(id, { active: false })),
    find,
    findByEmail,
  }
}

export type UserService = ReturnType<typeof createUserService>

function raise(error: Error): never {
  throw error
}
