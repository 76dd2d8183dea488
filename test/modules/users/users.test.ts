import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SQL } from 'bun'
import { createHmac } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { createTestApp, createUser, expectProblem, json, onPostgres, TEST_SECRET } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const hs = (header: object, claims: object, secret = TEST_SECRET, algorithm = 'sha256') => {
  const unsigned = `${b64(header)}.${b64(claims)}`
  return `${unsigned}.${createHmac(algorithm, secret).update(unsigned).digest('base64url')}`
}

describe('GET /users/me', () => {
  test('returns the caller without secrets', async () => {
    const user = await createUser(t, { name: 'Me' })
    const me = await json(await t.request('/users/me', { token: user.token }))
    expect(me).toEqual({ id: user.id, email: user.email, name: 'Me', role: 'user', active: true, email_verified: false, created_at: user.createdAt, updated_at: user.updatedAt })
  })

  test('401 with WWW-Authenticate without a token', async () => {
    const response = await t.request('/users/me')
    await expectProblem(response, 401)
    expect(response.headers.get('www-authenticate')).toStartWith('Bearer')
  })

  describe('401 invalid_token for', () => {
    const now = () => Math.floor(t.clock.now().getTime() / 1000)
    const cases: [string, (id: string) => string][] = [
      ['alg none', (id) => `${b64({ alg: 'none' })}.${b64({ sub: id, role: 'user', ver: 0, jti: 'j', iat: now(), exp: now() + 60 })}.`],
      ['another secret', (id) => hs({ alg: 'HS256' }, { sub: id, role: 'user', ver: 0, jti: 'j', iat: now(), exp: now() + 60 }, 'x'.repeat(40))],
      ['HS384', (id) => hs({ alg: 'HS384' }, { sub: id, role: 'user', ver: 0, jti: 'j', iat: now(), exp: now() + 60 }, TEST_SECRET, 'sha384')],
      ['an expired token', (id) => hs({ alg: 'HS256' }, { sub: id, role: 'user', ver: 0, jti: 'j', iat: now() - 120, exp: now() - 60 })],
      ['a token without a version', (id) => hs({ alg: 'HS256' }, { sub: id, role: 'user', jti: 'j', iat: now(), exp: now() + 60 })],
      ['garbage', () => 'garbage'],
    ]
    for (const [name, forge] of cases) {
      test(name, async () => {
        const user = await createUser(t)
        const response = await t.request('/users/me', { token: forge(user.id) })
        await expectProblem(response, 401)
        expect(response.headers.get('www-authenticate')).toContain('invalid_token')
      })
    }
  })

  test('an access token expires with the clock', async () => {
    const user = await createUser(t)
    t.clock.advance(t.ctx.config.ACCESS_TOKEN_TTL + 1000)
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
  })
})

describe('PATCH /users/me', () => {
  test('changes name and email, and nothing else', async () => {
    const user = await createUser(t)
    const response = await t.request('/users/me', { method: 'PATCH', token: user.token, json: { name: 'New', email: `NEW-${user.email}`, role: 'admin', active: false } })
    expect(await json(response)).toMatchObject({ name: 'New', email: `new-${user.email}`, role: 'user', active: true })
  })

  test('409 when the email belongs to someone else', async () => {
    const [a, b] = [await createUser(t), await createUser(t)]
    await expectProblem(await t.request('/users/me', { method: 'PATCH', token: a.token, json: { email: b.email } }), 409)
  })
})

describe('POST /users/me/password', () => {
  const login = async (user: { email: string }, password: string) => {
    const response = await t.request('/token', { method: 'POST', json: { username: user.email, password } })
    expect(response.status).toBe(200)
    return json<{ access_token: string; refresh_token: string }>(response)
  }
  const refresh = (refreshToken: string) =>
    t.request('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: refreshToken } })

  test("keeps the caller's session and revokes every other one", async () => {
    const user = await createUser(t)
    const caller = await login(user, user.password)
    const other = await login(user, user.password)
    const response = await t.request('/users/me/password', {
      method: 'POST',
      token: caller.access_token,
      json: { current_password: user.password, new_password: 'a brand new password' },
    })
    expect(response.status).toBe(204)
    // The caller's access token still works, and its refresh token still rotates into a working pair.
    expect((await t.request('/users/me', { token: caller.access_token })).status).toBe(200)
    const rotated = await refresh(caller.refresh_token)
    expect(rotated.status).toBe(200)
    const next = await json(rotated)
    expect((await t.request('/users/me', { token: next.access_token })).status).toBe(200)
    expect((await refresh(next.refresh_token)).status).toBe(200)
    // The other login's access and refresh tokens fail, and so does a token minted outside any session.
    await expectProblem(await t.request('/users/me', { token: other.access_token }), 401)
    expect(await json(await refresh(other.refresh_token))).toEqual({ error: 'invalid_grant', error_description: 'The refresh token is invalid or has been revoked.' })
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
    // The new password logs in; the old one doesn't.
    await login(user, 'a brand new password')
    expect((await t.request('/token', { method: 'POST', json: { username: user.email, password: user.password } })).status).toBe(400)
  })

  test("the kept session still ends when an admin later changes the account's role", async () => {
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    const caller = await login(user, user.password)
    await t.request('/users/me/password', { method: 'POST', token: caller.access_token, json: { current_password: user.password, new_password: 'a brand new password' } })
    expect((await t.request(`/users/${user.id}`, { method: 'PATCH', token: admin.token, json: { role: 'admin' } })).status).toBe(200)
    await expectProblem(await t.request('/users/me', { token: caller.access_token }), 401)
    expect((await refresh(caller.refresh_token)).status).toBe(400)
  })

  test("a revoked caller's session (logout) doesn't outlive a password change made from it", async () => {
    const user = await createUser(t)
    const caller = await login(user, user.password)
    await t.request('/users/me/password', { method: 'POST', token: caller.access_token, json: { current_password: user.password, new_password: 'a brand new password' } })
    expect((await t.request('/token/revoke', { method: 'POST', json: { token: caller.refresh_token } })).status).toBe(200)
    await expectProblem(await t.request('/users/me', { token: caller.access_token }), 401)
  })

  test('422 when the current password is wrong, changing nothing', async () => {
    const user = await createUser(t)
    await expectProblem(await t.request('/users/me/password', { method: 'POST', token: user.token, json: { current_password: 'wrong one!', new_password: 'another password' } }), 422)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
  })

  test('401 before validation for an anonymous caller with a broken body', async () => {
    await expectProblem(await t.request('/users/me/password', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":' }), 401)
  })
})

describe('admin /users', () => {
  test('403 for a user and 401 anonymous on every admin route', async () => {
    const user = await createUser(t)
    for (const [method, path] of [['GET', '/users'], ['POST', '/users'], ['GET', `/users/${user.id}`], ['PATCH', `/users/${user.id}`], ['DELETE', `/users/${user.id}`]] as const) {
      await expectProblem(await t.request(path, { method, token: user.token, json: method === 'GET' || method === 'DELETE' ? undefined : {} }), 403)
      await expectProblem(await t.request(path, { method }), 401)
    }
  })

  test('POST creates a user with a role; GET lists, filters and pages', async () => {
    const app = await createTestApp()
    const admin = await createUser(app, { role: 'admin', name: 'Root' })
    const created = await app.request('/users', { method: 'POST', token: admin.token, json: { email: 'Staff@Shop.example', password: 'password-123', name: 'Staff Member', role: 'admin' } })
    expect(created.status).toBe(201)
    const staff = await json(created)
    expect(created.headers.get('location')).toBe(`/users/${staff.id}`)
    for (let i = 0; i < 3; i++) await createUser(app, { name: `Customer ${i}` })
    app.clock.advance(1)
    const byQuery = await json(await app.request('/users?q=shop.EXAMPLE', { token: admin.token }))
    expect(byQuery.items.map((u: { id: string }) => u.id)).toEqual([staff.id])
    const admins = await json(await app.request('/users?role=admin', { token: admin.token }))
    expect(admins.items).toHaveLength(2)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { items: { id: string }[]; next_cursor: string | null } = await json(await app.request(`/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token }))
      seen.push(...page.items.map((u) => u.id))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    await expectProblem(await app.request('/users?cursor=bogus', { token: admin.token }), 422)
    await expectProblem(await app.request('/users?limit=101', { token: admin.token }), 422)
    await app.close()
  })

  test('PATCH role or active bumps the token version: outstanding tokens die at once', async () => {
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
    const promoted = await t.request(`/users/${user.id}`, { method: 'PATCH', token: admin.token, json: { role: 'admin' } })
    expect((await json(promoted)).role).toBe('admin')
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
  })

  test('DELETE deactivates: 204, the user is inactive and their tokens fail', async () => {
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    expect((await t.request(`/users/${user.id}`, { method: 'DELETE', token: admin.token })).status).toBe(204)
    expect((await json(await t.request(`/users/${user.id}`, { token: admin.token }))).active).toBe(false)
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
  })

  test('409 when the last active admin would be demoted or deactivated', async () => {
    const app = await createTestApp()
    const admin = await createUser(app, { role: 'admin' })
    await expectProblem(await app.request(`/users/${admin.id}`, { method: 'PATCH', token: admin.token, json: { role: 'user' } }), 409)
    await expectProblem(await app.request(`/users/${admin.id}`, { method: 'DELETE', token: admin.token }), 409)
    const second = await createUser(app, { role: 'admin' })
    expect((await app.request(`/users/${admin.id}`, { method: 'DELETE', token: second.token })).status).toBe(204)
    await app.close()
  })

  test('404 for an unknown id; 409 for a taken email', async () => {
    const admin = await createUser(t, { role: 'admin' })
    const other = await createUser(t)
    await expectProblem(await t.request('/users/00000000-0000-7000-8000-000000000000', { token: admin.token }), 404)
    await expectProblem(await t.request(`/users/${admin.id}`, { method: 'PATCH', token: admin.token, json: { email: other.email } }), 409)
  })
})

describe('auth facts changed by another process', () => {
  /**
   * A token-version bump the server's cache is not told about. SQLite: a write on the app's own
   * connection (data_version flags only other connections' commits). PostgreSQL: a write with the
   * NOTIFY trigger off (session_replication_role), as when a notification is missed.
   */
  async function bumpUnnoticed(id: string) {
    if (!onPostgres) return void (await t.sql(sql`UPDATE users SET token_version = token_version + 1 WHERE id = ${id}`))
    const direct = new SQL(t.ctx.config.DATABASE_URL!, { max: 1 })
    try {
      await direct.begin(async (tx) => {
        await tx`SET LOCAL session_replication_role = replica`
        await tx`UPDATE users SET token_version = token_version + 1 WHERE id = ${id}`
      })
    } finally {
      await direct.close()
    }
  }

  test('are picked up within 30 s (the cache entry expires), so a revoked token dies', async () => {
    const user = await createUser(t)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
    // What kiosk create-admin does from its own process: the server's cache is not told.
    await bumpUnnoticed(user.id)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
    t.clock.advance(30_001)
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
  })

  test.skipIf(!onPostgres)('on PostgreSQL are dropped from the cache at once: the users trigger notifies every process at commit', async () => {
    const user = await createUser(t)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
    await t.sql(sql`UPDATE users SET token_version = token_version + 1 WHERE id = ${user.id}`)
    // The notification arrives on the listening connection shortly after the commit; the clock stands still.
    let status = 200
    for (let i = 0; i < 100 && status === 200; i++) {
      await Bun.sleep(10)
      status = (await t.request('/users/me', { token: user.token })).status
    }
    expect(status).toBe(401)
  })
})
