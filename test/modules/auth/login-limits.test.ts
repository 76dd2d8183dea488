import { afterEach, describe, expect, setDefaultTimeout, spyOn, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { accessTokenFor, createTestApp, createUser, expectProblem, json, type TestApp } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The failed-login limits under pressure: concurrent guesses, successes from a shared address,
 * password-change guesses, forwarded addresses, and a login racing a password change.
 */

const apps: TestApp[] = []
const app = async (env: Record<string, string> = {}) => {
  const created = await createTestApp(env)
  apps.push(created)
  return created
}
afterEach(async () => {
  for (const created of apps.splice(0)) await created.close()
})

const login = (t: TestApp, username: string, password: string, headers: Record<string, string> = {}) =>
  t.request('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  })

describe('POST /token failed-login limits', () => {
  test('a burst of concurrent wrong guesses is counted before the hash check: only LOGIN_MAX_FAILURES get an answer', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '100' })
    const user = await createUser(t)
    const verify = spyOn(Bun.password, 'verify')
    try {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => login(t, user.email, `wrong guess ${i}`)))
      const statuses = responses.map((r) => r.status).sort()
      expect(statuses).toEqual([400, 400, 400, 429, 429, 429, 429, 429, 429, 429])
      // The refused guesses cost no argon2 work.
      expect(verify).toHaveBeenCalledTimes(3)
      for (const limited of responses.filter((r) => r.status === 429)) {
        await expectProblem(limited, 429)
        expect(Number(limited.headers.get('retry-after'))).toBe(t.ctx.config.LOGIN_WINDOW / 1000)
      }
    } finally {
      verify.mockRestore()
    }
  })

  test('a concurrent burst from one address across accounts is held to LOGIN_MAX_FAILURES_PER_ADDRESS', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '4' })
    const responses = await Promise.all(Array.from({ length: 9 }, (_, i) => login(t, `victim${i}@example.com`, 'guess guess')))
    expect(responses.filter((r) => r.status === 400)).toHaveLength(4)
    expect(responses.filter((r) => r.status === 429)).toHaveLength(5)
  })

  test('successful logins do not use up the address budget (many users behind one NAT)', async () => {
    const t = await app({ LOGIN_MAX_FAILURES_PER_ADDRESS: '2' })
    const users = await Promise.all([createUser(t), createUser(t), createUser(t), createUser(t)])
    for (const user of users) expect((await login(t, user.email, user.password)).status).toBe(200)
    expect((await login(t, users[0]!.email, 'wrong password')).status).toBe(400)
    expect((await login(t, users[1]!.email, users[1]!.password)).status).toBe(200)
  })

  test('a deactivated account with the right password counts as a failure (no oracle in the limit)', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '2' })
    const user = await createUser(t)
    await t.sql(sql`UPDATE users SET active = false WHERE id = ${user.id}`)
    expect((await login(t, user.email, user.password)).status).toBe(400)
    expect((await login(t, user.email, user.password)).status).toBe(400)
    await expectProblem(await login(t, user.email, user.password), 429)
  })

  test('the window slides with the clock: one slot frees when the oldest failure leaves it', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '2', LOGIN_WINDOW: '10m' })
    const user = await createUser(t)
    expect((await login(t, user.email, 'wrong password 1')).status).toBe(400)
    t.clock.advance(4 * 60_000)
    expect((await login(t, user.email, 'wrong password 2')).status).toBe(400)
    const limited = await login(t, user.email, user.password)
    await expectProblem(limited, 429)
    expect(Number(limited.headers.get('retry-after'))).toBe(6 * 60)
    t.clock.advance(6 * 60_000 + 1)
    expect((await login(t, user.email, user.password)).status).toBe(200)
  })

  test('a login whose password is changed while it is being checked gets no session', async () => {
    const t = await app()
    const user = await createUser(t)
    const original = Bun.password.verify
    const verify = spyOn(Bun.password, 'verify').mockImplementationOnce(async (password, hash) => {
      const ok = await original(password, hash)
      // The owner changes the password (and so ends every session) while this login is in flight.
      await t.sql(sql`UPDATE users SET password_hash = 'replaced', token_version = token_version + 1 WHERE id = ${user.id}`)
      return ok
    })
    try {
      const response = await login(t, user.email, user.password)
      expect(response.status).toBe(400)
      expect((await json(response)).error).toBe('invalid_grant')
      expect(await t.sql(sql`SELECT CAST(count(*) AS integer) AS n FROM refresh_tokens`)).toEqual([{ n: 0 }])
    } finally {
      verify.mockRestore()
    }
  })
})

describe('POST /users/me/password guesses', () => {
  const change = (t: TestApp, token: string, current: string) =>
    t.request('/users/me/password', { method: 'POST', token, json: { current_password: current, new_password: 'a brand new password' } })

  test('wrong current passwords count as failed logins: 429 with Retry-After, then the window passes', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '3' })
    const user = await createUser(t)
    for (let i = 0; i < 3; i++) await expectProblem(await change(t, user.token, `wrong current ${i}`), 422)
    const limited = await change(t, user.token, user.password)
    await expectProblem(limited, 429)
    expect(Number(limited.headers.get('retry-after'))).toBe(t.ctx.config.LOGIN_WINDOW / 1000)
    // The account is locked for logins too: the guesses were against the same password.
    await expectProblem(await login(t, user.email, user.password), 429)
    t.clock.advance(t.ctx.config.LOGIN_WINDOW + 1)
    // (the old access token has expired by now: LOGIN_WINDOW and ACCESS_TOKEN_TTL are both 15 min)
    expect((await change(t, await accessTokenFor(t, user), user.password)).status).toBe(204)
  })

  test('a refused change changes nothing', async () => {
    const t = await app({ LOGIN_MAX_FAILURES: '1' })
    const user = await createUser(t)
    await expectProblem(await change(t, user.token, 'wrong current'), 422)
    await expectProblem(await change(t, user.token, user.password), 429)
    const [row] = await t.sql<{ token_version: number }>(sql`SELECT token_version FROM users WHERE id = ${user.id}`)
    expect(row!.token_version).toBe(0)
    expect((await t.request('/users/me', { token: user.token })).status).toBe(200)
  })
})

describe('client address behind a proxy', () => {
  const register = (t: TestApp, n: number, forwardedFor?: string) =>
    t.request('/auth/register', {
      method: 'POST',
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
      json: { email: `proxy${n}@example.com`, password: 'long enough password', name: `P${n}` },
    })

  test('with TRUST_PROXY the right-most X-Forwarded-For entry is the address: forged entries to its left change nothing', async () => {
    const t = await app({ TRUST_PROXY: 'true', REGISTER_MAX_PER_ADDRESS: '2' })
    expect((await register(t, 1, '198.51.100.1, 203.0.113.7')).status).toBe(201)
    expect((await register(t, 2, '198.51.100.2, 203.0.113.7')).status).toBe(201)
    await expectProblem(await register(t, 3, '198.51.100.3, 203.0.113.7'), 429)
    // Another client of the same proxy has its own budget.
    expect((await register(t, 4, '198.51.100.1, 203.0.113.8')).status).toBe(201)
  })

  test('without TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    const t = await app({ REGISTER_MAX_PER_ADDRESS: '1' })
    expect((await register(t, 1, '203.0.113.1')).status).toBe(201)
    await expectProblem(await register(t, 2, '203.0.113.2'), 429)
  })
})
