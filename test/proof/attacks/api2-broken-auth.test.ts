import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { E2E_SECRET } from '../../e2e/data-folder.ts'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API2: broken authentication. Forged, tampered, expired and revoked tokens are 401.
const live = useLive()

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const sign = (header: object, payload: object, secret: string, algorithm = 'sha256') => {
  const unsigned = `${b64(header)}.${b64(payload)}`
  return `${unsigned}.${createHmac(algorithm, secret).update(unsigned).digest('base64url')}`
}
const claims = (overrides: object = {}) => {
  const now = Math.floor(Date.now() / 1000)
  return { sub: live.admin.id, role: 'admin', ver: 0, jti: crypto.randomUUID(), iat: now, exp: now + 600, ...overrides }
}

describe('forged access tokens', () => {
  const cases: [string, () => string][] = [
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`],
    ['another secret', () => sign({ alg: 'HS256', typ: 'JWT' }, claims(), 'not-the-secret-not-the-secret-not-the-secret')],
    ['HS384 with the right secret', () => sign({ alg: 'HS384', typ: 'JWT' }, claims(), E2E_SECRET, 'sha384')],
    ['expired', () => sign({ alg: 'HS256', typ: 'JWT' }, claims({ iat: 1_000, exp: 2_000 }), E2E_SECRET)],
    ['stripped signature', () => sign({ alg: 'HS256', typ: 'JWT' }, claims(), E2E_SECRET).replace(/\.[^.]+$/, '.')],
    ['a user token with role edited to admin', () => {
      const [header, , signature] = live.bob.token.split('.')
      return `${header}.${b64({ ...JSON.parse(Buffer.from(live.bob.token.split('.')[1]!, 'base64url').toString()), role: 'admin' })}.${signature}`
    }],
    ['an unknown subject', () => sign({ alg: 'HS256', typ: 'JWT' }, claims({ sub: '00000000-0000-7000-8000-000000000000' }), E2E_SECRET)],
    ['a stale token version', () => sign({ alg: 'HS256', typ: 'JWT' }, claims({ ver: 7 }), E2E_SECRET)],
  ]
  for (const [name, forge] of cases) {
    test(`${name} is 401 invalid_token`, async () => {
      const response = await live.call('/users', { token: forge() })
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
      await problem(response, 401)
    })
  }

  test('a correctly signed token is accepted (the forgeries above are refused for the right reason)', async () => {
    const response = await live.call('/users', { token: sign({ alg: 'HS256', typ: 'JWT' }, claims(), E2E_SECRET) })
    expect(response.status).toBe(200)
  })
})

describe('revoked sessions', () => {
  test("a deactivated user's token dies at once", async () => {
    const victim = live.bob
    expect((await live.call('/users/me', { token: victim.token })).status).toBe(200)
    expect((await live.call(`/users/${victim.id}`, { method: 'DELETE', token: live.admin.token })).status).toBe(204)
    await problem(await live.call('/users/me', { token: victim.token }), 401)
  })

  test('a replayed refresh token revokes its whole family', async () => {
    const login = await live.call('/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: live.alice.email, password: live.alice.password }).toString(),
    })
    expect(login.status).toBe(200)
    const first = (await login.json()) as { refresh_token: string }
    const refresh = (token: string) =>
      live.call('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: token } })
    const rotated = await refresh(first.refresh_token)
    expect(rotated.status).toBe(200)
    const second = (await rotated.json()) as { refresh_token: string }
    const replay = await refresh(first.refresh_token)
    expect(replay.status).toBe(400)
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant')
    // The thief's replay killed the legitimate holder's newer token too.
    expect((await refresh(second.refresh_token)).status).toBe(400)
  })
})
