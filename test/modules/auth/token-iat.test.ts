import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SignJWT } from 'jose'
import { loadConfig } from '../../../src/config.ts'
import { createTestApp, createUser, expectProblem, TEST_SECRET } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// An access token whose iat is in the future beyond TOKEN_CLOCK_SKEW is refused.
const t = await createTestApp({ TOKEN_CLOCK_SKEW: '60s' })
let user: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  user = await createUser(t)
})
afterAll(() => t.close())

/** A correctly signed token for the user, issued `issuedIn` seconds from now (wall clock, as the signer stamps iat). */
function tokenIssuedIn(issuedIn: number) {
  const iat = Math.floor(Date.now() / 1000) + issuedIn
  return new SignJWT({ sub: user.id, role: 'user', ver: 0, jti: Bun.randomUUIDv7() })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 900)
    .sign(new TextEncoder().encode(TEST_SECRET))
}

describe('access tokens issued in the future', () => {
  test('an iat an hour ahead is 401 invalid_token', async () => {
    const response = await t.request('/users/me', { token: await tokenIssuedIn(3600) })
    await expectProblem(response, 401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="kiosk", error="invalid_token", error_description="the token was issued in the future"')
  })

  test('an iat 61 s ahead (just past the skew) is 401; 30 s ahead (within it) is accepted', async () => {
    await expectProblem(await t.request('/users/me', { token: await tokenIssuedIn(61) }), 401)
    expect((await t.request('/users/me', { token: await tokenIssuedIn(30) })).status).toBe(200)
  })

  test('TOKEN_CLOCK_SKEW is a setting', async () => {
    const strict = await createTestApp({ TOKEN_CLOCK_SKEW: '0s' })
    const own = await createUser(strict)
    const iat = Math.floor(Date.now() / 1000) + 5
    const token = await new SignJWT({ sub: own.id, role: 'user', ver: 0, jti: Bun.randomUUIDv7() })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 900)
      .sign(new TextEncoder().encode(TEST_SECRET))
    await expectProblem(await strict.request('/users/me', { token }), 401)
    expect(strict.ctx.config.TOKEN_CLOCK_SKEW).toBe(0)
    expect(loadConfig({ NODE_ENV: 'test' }).TOKEN_CLOCK_SKEW).toBe(60_000)
    await strict.close()
  })
})
