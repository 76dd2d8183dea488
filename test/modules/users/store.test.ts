import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { isUniqueViolation } from '../../../src/db/errors.ts'
import type { NewRefreshToken, UserChanges, UserRow } from '../../../src/modules/users/store.ts'
import { createTestApp, createUser, type TestApp } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The user store under the service, on whichever dialect the run uses: what the API tests can't
 * reach directly (a many-way race on one refresh token, create-admin, the registration
 * transaction's rollback).
 */

const t = await createTestApp()
afterAll(() => t.close())
const store = t.services.stores.users

const at = () => t.clock.now().toISOString()
const later = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString()
const newRow = (email: string): UserRow => ({
  id: Bun.randomUUIDv7(),
  email,
  name: 'Row',
  passwordHash: 'x',
  role: 'user',
  active: true,
  tokenVersion: 0,
  emailVerifiedAt: null,
  createdAt: at(),
  updatedAt: at(),
})
const refreshToken = (userId: string, familyId: string): NewRefreshToken => ({
  id: Bun.randomUUIDv7(),
  userId,
  familyId,
  tokenHash: Bun.randomUUIDv7(),
  expiresAt: later(60_000),
  createdAt: at(),
})
const changesOf = (row: UserRow): UserChanges => ({
  name: row.name,
  email: row.email,
  role: row.role,
  active: row.active,
  passwordHash: row.passwordHash,
  emailVerifiedAt: row.emailVerifiedAt,
  updatedAt: at(),
})
const countOf = async (app: TestApp, query: ReturnType<typeof sql>) => (await app.sql<{ n: number }>(query))[0]!.n

describe('refresh-token rotation', () => {
  test('of eight concurrent rotations of one token exactly one succeeds; the others find it spent and revoke its family', async () => {
    const user = await createUser(t)
    const familyId = Bun.randomUUIDv7()
    const first = refreshToken(user.id, familyId)
    await store.insertRefreshToken(first)
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => store.rotateRefreshToken(first.tokenHash, at(), (owner) => refreshToken(owner.id, owner.familyId))),
    )
    const winners = outcomes.filter((outcome) => 'next' in outcome)
    expect(winners).toHaveLength(1)
    // The first loser finds the token spent (reuse); once it has revoked the family, the rest find it revoked.
    expect(outcomes.filter((outcome) => 'error' in outcome)).toHaveLength(7)
    expect(outcomes.filter((outcome) => 'reused' in outcome && outcome.reused?.familyId === familyId).length).toBeGreaterThanOrEqual(1)
    // The family is revoked: the winner's new token no longer rotates, and no session of it is live.
    expect(await store.isSessionLive(familyId, user.id, at())).toBe(false)
    const winner = winners[0] as { next: NewRefreshToken }
    expect(await store.rotateRefreshToken(winner.next.tokenHash, at(), (owner) => refreshToken(owner.id, owner.familyId))).toEqual({
      error: 'The refresh token is invalid or has been revoked.',
    })
    expect(await countOf(t, sql`SELECT CAST(count(*) AS integer) AS n FROM refresh_tokens WHERE family_id = ${familyId} AND revoked_at IS NULL`)).toBe(0)
  })

  test('rotations of different sessions of one account both succeed', async () => {
    const user = await createUser(t)
    const [a, b] = [refreshToken(user.id, Bun.randomUUIDv7()), refreshToken(user.id, Bun.randomUUIDv7())]
    await store.insertRefreshToken(a)
    await store.insertRefreshToken(b)
    const outcomes = await Promise.all([a, b].map((token) => store.rotateRefreshToken(token.tokenHash, at(), (owner) => refreshToken(owner.id, owner.familyId))))
    expect(outcomes.every((outcome) => 'next' in outcome)).toBe(true)
  })

  test('a password change racing rotations leaves no live session behind', async () => {
    const user = await createUser(t)
    const tokens = Array.from({ length: 4 }, () => refreshToken(user.id, Bun.randomUUIDv7()))
    for (const token of tokens) await store.insertRefreshToken(token)
    await Promise.all([
      ...tokens.map((token) => store.rotateRefreshToken(token.tokenHash, at(), (owner) => refreshToken(owner.id, owner.familyId))),
      store.setPassword(user.id, 'new hash', at()),
    ])
    expect(await countOf(t, sql`SELECT CAST(count(*) AS integer) AS n FROM refresh_tokens WHERE user_id = ${user.id} AND revoked_at IS NULL`)).toBe(0)
  })
})

describe('accounts', () => {
  test('a taken email is the UNIQUE violation the service maps to 409, on insert and on update', async () => {
    const taken = await createUser(t)
    const error = await store.insertUser(newRow(taken.email)).catch((caught: unknown) => caught)
    expect(isUniqueViolation(error)).toBe(true)
    const other = await createUser(t)
    const current = (await store.findUser(other.id))!
    const updateError = await store.updateUser(other.id, { ...changesOf(current), email: taken.email }, false).catch((caught: unknown) => caught)
    expect(isUniqueViolation(updateError)).toBe(true)
  })

  test('what runs in the insert\'s transaction commits with the user, or not at all', async () => {
    const message = { subject: 'Hello', template: 'verify_email', text: 'text', html: '<p>html</p>' }
    const emails = t.services.stores.email
    const count = (to: string) => countOf(t, sql`SELECT CAST(count(*) AS integer) AS n FROM emails WHERE to_address = ${to}`)

    const kept = newRow(`kept-${Bun.randomUUIDv7()}@example.com`)
    await store.insertUser(kept, (row) => void emails.enqueueInTransaction(row.email, message, at()))
    expect(await count(kept.email)).toBe(1)

    // The user's insert fails (the email is taken): the queued message goes with it.
    const duplicate = newRow(kept.email)
    await expect(store.insertUser(duplicate, (row) => void emails.enqueueInTransaction(`${row.id}@example.com`, message, at()))).rejects.toThrow()
    expect(await count(`${duplicate.id}@example.com`)).toBe(0)

    // The callback fails after queueing: neither the user nor the message is stored.
    const failing = newRow(`failing-${Bun.randomUUIDv7()}@example.com`)
    await expect(
      store.insertUser(failing, (row) => {
        emails.enqueueInTransaction(row.email, message, at())
        throw new Error('the verification email could not be composed')
      }),
    ).rejects.toThrow('could not be composed')
    expect(await store.findUserByEmail(failing.email)).toBeUndefined()
    expect(await count(failing.email)).toBe(0)
  })

  test('lists newest first with keyset pages; q matches email and name ignoring ASCII case, and its wildcards are literal', async () => {
    const app = await createTestApp()
    const users = app.services.stores.users
    const names = ['Ann 100%', 'bob_x', 'Carl', 'ÉMILE', 'dora']
    for (const name of names) {
      await users.insertUser({ ...newRow(`${name.toLowerCase().replace(/[^a-z]/g, '')}@shop.example`), name, createdAt: app.clock.now().toISOString() })
      app.clock.advance(1)
    }
    const ids = async (filter: Parameters<typeof users.listUsers>[0]) => (await users.listUsers(filter)).map((row) => row.name)
    expect(await ids({ limit: 10 })).toEqual([...names].reverse())
    const page = await users.listUsers({ limit: 2 })
    const last = page.at(-1)!
    expect(await ids({ limit: 10, before: [last.createdAt, last.id] })).toEqual(['Carl', 'bob_x', 'Ann 100%'])
    expect(await ids({ limit: 10, q: 'CARL' })).toEqual(['Carl'])
    expect(await ids({ limit: 10, q: '100%' })).toEqual(['Ann 100%'])
    expect(await ids({ limit: 10, q: '_' })).toEqual(['bob_x'])
    // Only ASCII case is ignored (SQLite's LIKE): é does not match É.
    expect(await ids({ limit: 10, q: 'émile' })).toEqual([])
    expect(await ids({ limit: 10, q: 'ÉMI' })).toEqual([])
    expect(await ids({ limit: 10, active: false })).toEqual([])
    expect(await ids({ limit: 10, role: 'user', q: 'SHOP.example' })).toHaveLength(5)
    await app.close()
  })
})

describe('create-admin (upsertAdmin)', () => {
  test('creates an admin, then promotes, reactivates and re-keys the same account, ending its sessions', async () => {
    const email = `admin-${Bun.randomUUIDv7()}@example.com`
    expect(await store.upsertAdmin({ email, passwordHash: 'first', at: at() })).toBe('created')
    const created = (await store.findUserByEmail(email))!
    expect(created).toMatchObject({ role: 'admin', active: true, name: 'Administrator', passwordHash: 'first', tokenVersion: 0 })

    await store.updateUser(created.id, { ...changesOf(created), role: 'user', active: false }, true)
    const session = refreshToken(created.id, Bun.randomUUIDv7())
    await store.insertRefreshToken(session)
    expect(await store.upsertAdmin({ email, passwordHash: 'second', at: at() })).toBe('promoted')
    expect(await store.findUserByEmail(email)).toMatchObject({ id: created.id, role: 'admin', active: true, name: 'Administrator', passwordHash: 'second', tokenVersion: 2 })
    expect(await store.isSessionLive(session.familyId, created.id, at())).toBe(false)

    expect(await store.upsertAdmin({ email, name: 'Root', passwordHash: 'third', at: at() })).toBe('promoted')
    expect(await store.findUserByEmail(email)).toMatchObject({ name: 'Root', tokenVersion: 3 })
  })

  test('two at once for one new email: one creates, the other promotes the same account', async () => {
    const email = `race-${Bun.randomUUIDv7()}@example.com`
    const outcomes = await Promise.all(['a', 'b'].map((passwordHash) => store.upsertAdmin({ email, passwordHash, at: at() })))
    expect(outcomes.sort()).toEqual(['created', 'promoted'])
    expect(await countOf(t, sql`SELECT CAST(count(*) AS integer) AS n FROM users WHERE email = ${email}`)).toBe(1)
  })
})
