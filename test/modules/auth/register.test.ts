import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp, expectProblem, json } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())

const register = (body: unknown, app = t) => app.request('/auth/register', { method: 'POST', json: body })
const countUsers = async () => (await t.sql<{ n: number }>(sql`SELECT CAST(count(*) AS integer) AS n FROM users`))[0]

describe('POST /auth/register', () => {
  test('creates a user with role user, lower-cased email and no hash in the body', async () => {
    const response = await register({ email: 'Ada@Example.COM', password: 'analytical engine', name: 'Ada' })
    expect(response.status).toBe(201)
    const user = await json(response)
    expect(user).toMatchObject({ email: 'ada@example.com', name: 'Ada', role: 'user', active: true })
    expect(Object.keys(user).sort()).toEqual(['active', 'created_at', 'email', 'email_verified', 'id', 'name', 'role', 'updated_at'])
    const [stored] = await t.sql<{ password_hash: string }>(sql`SELECT password_hash FROM users WHERE id = ${user.id}`)
    expect(stored!.password_hash).toStartWith('$argon2id$')
  })

  test('ignores role, id and active in the body', async () => {
    const user = await json(await register({ email: 'eve@example.com', password: 'password-123', name: 'Eve', role: 'admin', id: 'x', active: false }))
    expect(user).toMatchObject({ role: 'user', active: true })
    expect(user.id).not.toBe('x')
  })

  test('409 when the email is taken, whatever its case', async () => {
    await register({ email: 'dup@example.com', password: 'password-123', name: 'One' })
    const body = await expectProblem(await register({ email: 'DUP@example.com', password: 'password-123', name: 'Two' }), 409)
    expect(body.errors[0].path).toBe('/email')
  })

  test('of two concurrent sign-ups for one email, one is 201 and the other 409 (the unique index decides)', async () => {
    const race = await createTestApp()
    // Both pass the "already registered?" check before either has hashed its password and inserted.
    const responses = await Promise.all(['Race@example.com', 'race@example.com'].map((email) => register({ email, password: 'password-123', name: 'R' }, race)))
    expect(responses.map((response) => response.status).sort()).toEqual([201, 409])
    const conflict = await expectProblem(responses.find((response) => response.status === 409)!, 409)
    expect(conflict.errors[0].path).toBe('/email')
    await race.close()
  })

  test.each([
    ['a malformed email', { email: 'not-an-email', password: 'password-123', name: 'X' }, '/email'],
    ['a short password', { email: 'p1@example.com', password: 'short', name: 'X' }, '/password'],
    ['a 129-character password', { email: 'p2@example.com', password: 'x'.repeat(129), name: 'X' }, '/password'],
    ['a missing name', { email: 'p3@example.com', password: 'password-123' }, '/name'],
    // PostgreSQL's text can't hold a NUL, SQLite's can: refused alike on both.
    ['a name with a NUL', { email: 'p4@example.com', password: 'password-123', name: 'Ada\u0000Lovelace' }, '/name'],
    ['an email with a control character', { email: 'a\u0000b@example.com', password: 'password-123', name: 'X' }, '/email'],
    ['an email with angle brackets', { email: '<a>@example.com', password: 'password-123', name: 'X' }, '/email'],
    ['an email with a quoted local part', { email: '"a b"@example.com', password: 'password-123', name: 'X' }, '/email'],
    ['an email with a comma (two addresses)', { email: 'a@example.com,b@example.com', password: 'password-123', name: 'X' }, '/email'],
    ['an email without a dotted domain', { email: 'root@localhost', password: 'password-123', name: 'X' }, '/email'],
    ['a 255-character email', { email: `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`, password: 'password-123', name: 'X' }, '/email'],
  ])('422 for %s, creating nothing', async (_, body, path) => {
    const before = await countUsers()
    const problem = await expectProblem(await register(body), 422)
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path)
    expect(await countUsers()).toEqual(before)
  })

  test('a 254-character email with plus, dots and hyphens is valid', async () => {
    const email = `first.last+tag-${'a'.repeat(49)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(57)}-x.example`
    expect(email).toHaveLength(254)
    expect((await register({ email, password: 'password-123', name: 'Long' })).status).toBe(201)
  })

  test('password length counts characters: 8 emoji are a valid password', async () => {
    expect((await register({ email: 'emoji@example.com', password: '🔑'.repeat(8), name: 'E' })).status).toBe(201)
  })

  test('400 for a body that is not JSON', async () => {
    await expectProblem(await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' }), 400)
  })

  test('403 when sign-up is disabled', async () => {
    const closed = await createTestApp({ SIGNUP_ENABLED: 'false' })
    await expectProblem(await register({ email: 'a@example.com', password: 'password-123', name: 'A' }, closed), 403)
    await closed.close()
  })

  test('429 with Retry-After after REGISTER_MAX_PER_ADDRESS sign-ups from one address', async () => {
    const limited = await createTestApp({ REGISTER_MAX_PER_ADDRESS: '2' })
    for (const n of [1, 2]) expect((await register({ email: `r${n}@example.com`, password: 'password-123', name: 'R' }, limited)).status).toBe(201)
    const response = await register({ email: 'r3@example.com', password: 'password-123', name: 'R' }, limited)
    await expectProblem(response, 429)
    expect(Number(response.headers.get('retry-after'))).toBe(3600)
    limited.clock.advance(3_600_001)
    expect((await register({ email: 'r4@example.com', password: 'password-123', name: 'R' }, limited)).status).toBe(201)
    await limited.close()
  })
})
