import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { createTestApp, createUser, expectProblem, json, TEST_SECRET, type TestApp } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp({ LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '10' })
afterAll(() => t.close())

const form = (fields: Record<string, string>, app: TestApp = t) =>
  app.request('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  })
const refresh = (token: string) => t.request('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: token } })

/** Verifies an HS256 JWT with node:crypto alone: an independent check of what @elysiajs/jwt signed. */
function verifyIndependently(jwt: string, secret: string) {
  const [header, payload, signature] = jwt.split('.') as [string, string, string]
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
  if (expected !== signature) throw new Error('bad signature')
  return { header: JSON.parse(Buffer.from(header, 'base64url').toString()), claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) }
}

describe('POST /token (password grant)', () => {
  test('issues RFC 6749 tokens, form-encoded, with no-store', async () => {
    const user = await createUser(t)
    const response = await form({ grant_type: 'password', username: user.email, password: user.password })
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await json(response)
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900 })
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const { header, claims } = verifyIndependently(body.access_token, TEST_SECRET)
    expect(header.alg).toBe('HS256')
    expect(claims).toMatchObject({ sub: user.id, role: 'user', ver: 0 })
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(901)
    expect(typeof claims.jti).toBe('string')
    expect((await t.request('/users/me', { token: body.access_token })).status).toBe(200)
  })

  test('grant_type defaults to password, JSON works, and the email is case-insensitive', async () => {
    const user = await createUser(t)
    const response = await t.request('/token', { method: 'POST', json: { username: user.email.toUpperCase(), password: user.password } })
    expect(response.status).toBe(200)
  })

  test('client credentials are ignored, in a Basic header or in the body (Swagger UI sends them)', async () => {
    const user = await createUser(t)
    const response = await t.request('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa('docs-client:')}` },
      body: new URLSearchParams({ grant_type: 'password', username: user.email, password: user.password, client_id: 'docs-client', client_secret: '', scope: '' }).toString(),
    })
    expect(response.status).toBe(200)
  })

  test('a repeated parameter is invalid_request (RFC 6749 §3.2)', async () => {
    const user = await createUser(t)
    const response = await t.request('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}&password=other`,
    })
    expect(response.status).toBe(400)
    expect((await json(response)).error).toBe('invalid_request')
  })

  test('stores only a hash of the refresh token', async () => {
    const user = await createUser(t)
    const { refresh_token } = await json(await form({ username: user.email, password: user.password }))
    const rows = await t.sql<{ token_hash: string }>(sql`SELECT token_hash FROM refresh_tokens WHERE user_id = ${user.id}`)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.token_hash).not.toContain(refresh_token)
    expect(rows[0]!.token_hash).toBe(new Bun.CryptoHasher('sha256').update(refresh_token).digest('hex'))
  })

  test.each([
    ['a wrong password', (email: string) => ({ username: email, password: 'wrong password' }), 'invalid_grant'],
    ['an unknown email', () => ({ username: 'nobody@example.com', password: 'whatever-it-is' }), 'invalid_grant'],
    ['a missing password', (email: string) => ({ username: email }), 'invalid_request'],
    ['an unknown grant type', () => ({ grant_type: 'client_credentials' }), 'unsupported_grant_type'],
  ])('400 %s with an RFC 6749 error body', async (_, fields, error) => {
    const user = await createUser(t)
    const response = await form(fields(user.email) as Record<string, string>)
    expect(response.status).toBe(400)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = await json(response)
    expect(body.error).toBe(error)
    expect(typeof body.error_description).toBe('string')
  })

  test('400 invalid_request for a malformed JSON body or non-string fields', async () => {
    for (const body of ['{"username":', '{"username": 5, "password": []}']) {
      const response = await t.request('/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(response.status).toBe(400)
      expect((await json(response)).error).toBe('invalid_request')
    }
  })

  test('a deactivated user cannot log in', async () => {
    const user = await createUser(t)
    await t.sql(sql`UPDATE users SET active = false WHERE id = ${user.id}`)
    expect((await json(await form({ username: user.email, password: user.password }))).error).toBe('invalid_grant')
  })

  test('failed logins per account are limited: 429 with Retry-After, even for the right password, until the window passes', async () => {
    const user = await createUser(t)
    for (let i = 0; i < 3; i++) expect((await form({ username: user.email, password: `wrong-${i}-xx` })).status).toBe(400)
    const limited = await form({ username: user.email, password: user.password })
    await expectProblem(limited, 429)
    // Every failure at one instant (a manual clock): the oldest leaves the window a whole window from now.
    expect(Number(limited.headers.get('retry-after'))).toBe(t.ctx.config.LOGIN_WINDOW / 1000)
    t.clock.advance(t.ctx.config.LOGIN_WINDOW + 1)
    expect((await form({ username: user.email, password: user.password })).status).toBe(200)
  })

  test('failed logins per client address are limited across accounts', async () => {
    const app = await createTestApp({ LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '2' })
    const user = await createUser(app)
    expect((await form({ username: 'a@example.com', password: 'wrong-pass' }, app)).status).toBe(400)
    expect((await form({ username: 'b@example.com', password: 'wrong-pass' }, app)).status).toBe(400)
    await expectProblem(await form({ username: user.email, password: user.password }, app), 429)
    await app.close()
  })
})

describe('POST /token (refresh grant)', () => {
  const login = async () => {
    const user = await createUser(t)
    return { user, tokens: await json(await form({ username: user.email, password: user.password })) }
  }

  test('rotates: a new pair, the old refresh token spent', async () => {
    const { tokens } = await login()
    const response = await refresh(tokens.refresh_token)
    expect(response.status).toBe(200)
    const next = await json(response)
    expect(next.refresh_token).not.toBe(tokens.refresh_token)
    expect((await t.request('/users/me', { token: next.access_token })).status).toBe(200)
  })

  test('reuse of a rotated token revokes the whole family', async () => {
    const { tokens } = await login()
    const next = await json(await refresh(tokens.refresh_token))
    const reuse = await refresh(tokens.refresh_token)
    expect((await json(reuse)).error).toBe('invalid_grant')
    expect((await json(await refresh(next.refresh_token))).error).toBe('invalid_grant')
  })

  test('concurrent use of one refresh token: one wins, then the family is revoked', async () => {
    const { tokens } = await login()
    const results = await Promise.all([refresh(tokens.refresh_token), refresh(tokens.refresh_token)])
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 400])
    const winner = await json(results.find((r) => r.status === 200)!)
    expect((await refresh(winner.refresh_token)).status).toBe(400)
  })

  test('an expired refresh token is invalid_grant', async () => {
    const { tokens } = await login()
    t.clock.advance(t.ctx.config.REFRESH_TOKEN_TTL + 1000)
    expect((await json(await refresh(tokens.refresh_token))).error).toBe('invalid_grant')
  })

  test('an unknown refresh token is invalid_grant', async () => {
    expect((await json(await refresh('not-a-real-token'))).error).toBe('invalid_grant')
  })
})

describe('POST /token/revoke', () => {
  test('revokes a refresh token and its family; 200 for unknown tokens too', async () => {
    const user = await createUser(t)
    const tokens = await json(await form({ username: user.email, password: user.password }))
    const next = await json(await refresh(tokens.refresh_token))
    const revoke = await t.request('/token/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${next.refresh_token}`,
    })
    expect(revoke.status).toBe(200)
    expect((await refresh(next.refresh_token)).status).toBe(400)
    expect((await t.request('/token/revoke', { method: 'POST', json: { token: 'unknown' } })).status).toBe(200)
  })
})

describe('refresh token storage', () => {
  test("a login drops the user's expired refresh tokens, so the table stays bounded", async () => {
    const app = await createTestApp()
    const user = await createUser(app)
    const count = async () =>
      (await app.sql<{ n: number }>(sql`SELECT CAST(count(*) AS integer) AS n FROM refresh_tokens WHERE user_id = ${user.id}`))[0]!.n
    await form({ username: user.email, password: user.password }, app)
    await form({ username: user.email, password: user.password }, app)
    expect(await count()).toBe(2)
    app.clock.advance(app.ctx.config.REFRESH_TOKEN_TTL + 1000)
    await form({ username: user.email, password: user.password }, app)
    expect(await count()).toBe(1)
    await app.close()
  })
})

describe('the OpenAPI document of the token endpoints', () => {
  test('documents their 400 as a plain JSON RFC 6749 error, not a problem document', async () => {
    const doc = await json(await t.request('/docs/json'))
    for (const path of ['/token', '/token/revoke']) {
      const content = doc.paths[path].post.responses['400'].content
      expect(Object.keys(content)).toEqual(['application/json'])
      expect(content['application/json'].schema.$ref).toBe('#/components/schemas/TokenError')
      expect(doc.components.schemas.TokenError.properties.error.enum).toEqual(['invalid_request', 'invalid_grant', 'unsupported_grant_type'])
    }
    const limited = doc.paths['/token'].post.responses['429'].content
    expect(Object.keys(limited)).toEqual(['application/problem+json'])
  })

  test('a form-encoded error really is sent as application/json', async () => {
    const response = await form({ grant_type: 'nope' })
    expect(response.headers.get('content-type')).toStartWith('application/json')
  })
})
