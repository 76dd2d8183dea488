import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { ApiError, createApi, NotAdminError } from '../../src/dashboard/api.ts'
import { signInMessage, userChangeMessage } from '../../src/dashboard/messages.ts'
import type { SessionStorageLike } from '../../src/dashboard/session.ts'
import { createTestApp, createUser, BASE } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The dashboard's API client against the real app (app.handle on a fresh database): the password
 * flow, refresh before expiry and after a 401, one shared refresh for concurrent calls, sign-out
 * revocation. Only the browser's fetch and sessionStorage are replaced, by app.handle and a Map.
 */
const t = await createTestApp({ LOGIN_MAX_FAILURES: '2' })
afterAll(() => t.close())

interface Sent {
  method: string
  path: string
  body: string
}

function memoryStorage(): SessionStorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, getItem: (key) => map.get(key) ?? null, setItem: (key, value) => void map.set(key, value), removeItem: (key) => void map.delete(key) }
}

/** A client whose clock runs `skew` ms ahead of the server's, recording every request it sends. */
function client(storage = memoryStorage()) {
  const sent: Sent[] = []
  let skew = 0
  let signedOut = 0
  const api = createApi({
    storage,
    now: () => Date.now() + skew,
    onSignedOut: () => void signedOut++,
    fetch: async (input, init = {}) => {
      const body = typeof init.body === 'string' ? init.body : ''
      sent.push({ method: init.method ?? 'GET', path: input, body })
      return t.app.handle(new Request(`${BASE}${input}`, init))
    },
  })
  return {
    api,
    storage,
    sent,
    advance: (ms: number) => void (skew += ms),
    signedOut: () => signedOut,
    refreshes: () => sent.filter((s) => s.path === '/token' && s.body.includes('"refresh_token"')).length,
  }
}

const tokenWith = (refreshToken: string) =>
  t.request('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: refreshToken } })

let admin: Awaited<ReturnType<typeof createUser>>
let user: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  admin = await createUser(t, { role: 'admin', email: 'admin@dash.test', password: 'admin password long' })
  user = await createUser(t, { role: 'user', email: 'user@dash.test', password: 'user password long' })
})

describe('sign-in', () => {
  test('an admin gets a session in storage (never a cookie), and calls carry the bearer token', async () => {
    const c = client()
    const session = await c.api.signIn(admin.email, admin.password)
    expect(session.email).toBe(admin.email)
    expect(JSON.parse(c.storage.map.get('kiosk.dashboard.session')!).refreshToken).toBe(session.refreshToken)
    const me = await c.api.json<{ id: string; role: string }>('/users/me')
    expect(me).toMatchObject({ id: admin.id, role: 'admin' })
    const signInResponse = await t.request('/token', { method: 'POST', json: { grant_type: 'password', username: admin.email, password: admin.password } })
    expect(signInResponse.headers.get('set-cookie')).toBeNull()
  })

  test('a user account is refused ("admins only"); its fresh refresh token is revoked at once', async () => {
    const c = client()
    const error = await c.api.signIn(user.email, user.password).catch((e) => e)
    expect(error).toBeInstanceOf(NotAdminError)
    expect(signInMessage(error)).toBe('Admins only: this account is a user account. Ask an administrator for access.')
    expect(c.storage.map.size).toBe(0)
    const revoke = c.sent.find((s) => s.path === '/token/revoke')!
    const reuse = await tokenWith(JSON.parse(revoke.body).token)
    expect(reuse.status).toBe(400)
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant')
  })

  test('a wrong password says so; past the limit the 429 is shown with its wait', async () => {
    const c = client()
    const wrong = await c.api.signIn('limited@dash.test', 'not the password').catch((e) => e)
    expect(wrong).toBeInstanceOf(ApiError)
    expect(signInMessage(wrong)).toBe('Wrong email or password.')
    await c.api.signIn('limited@dash.test', 'not the password').catch(() => undefined)
    const limited = (await c.api.signIn('limited@dash.test', 'not the password').catch((e) => e)) as ApiError
    expect(limited.status).toBe(429)
    // LOGIN_WINDOW (15 min) on the test clock, which stands still.
    expect(limited.retryAfter).toBe(900)
    expect(signInMessage(limited)).toBe("Too many sign-in attempts. Try again in 900 seconds.")
  })
})

describe('token refresh', () => {
  test('an access token about to expire is refreshed before the call, and the rotated pair is stored', async () => {
    const c = client()
    const first = await c.api.signIn(admin.email, admin.password)
    c.advance(first.expiresAt - Date.now() - 10_000)
    await c.api.json('/users/me')
    expect(c.refreshes()).toBe(1)
    expect(c.api.session!.refreshToken).not.toBe(first.refreshToken)
    expect(JSON.parse(c.storage.map.get('kiosk.dashboard.session')!).accessToken).toBe(c.api.session!.accessToken)
    // The old refresh token is spent (rotation).
    expect((await tokenWith(first.refreshToken)).status).toBe(400)
  })

  test('concurrent calls share one refresh: a rotated token is never presented twice', async () => {
    const c = client()
    const first = await c.api.signIn(admin.email, admin.password)
    c.advance(first.expiresAt - Date.now())
    const results = await Promise.all([c.api.json<{ id: string }>('/users/me'), c.api.json('/products'), c.api.json('/orders'), c.api.json('/admin/webhooks')])
    expect(results[0].id).toBe(admin.id)
    expect(c.refreshes()).toBe(1)
    expect(c.signedOut()).toBe(0)
  })

  test('a 401 on a stored token (stale after a restart) is refreshed once and the call retried', async () => {
    const storage = memoryStorage()
    const session = await client(storage).api.signIn(admin.email, admin.password)
    storage.setItem('kiosk.dashboard.session', JSON.stringify({ ...session, accessToken: 'not-a-valid-token' }))
    const c = client(storage)
    const me = await c.api.json<{ id: string }>('/users/me')
    expect(me.id).toBe(admin.id)
    expect(c.sent.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /users/me', 'POST /token', 'GET /users/me'])
  })

  test('a refresh the API refuses ends the session', async () => {
    const storage = memoryStorage()
    const session = await client(storage).api.signIn(admin.email, admin.password)
    await t.request('/token/revoke', { method: 'POST', json: { token: session.refreshToken } })
    storage.setItem('kiosk.dashboard.session', JSON.stringify({ ...session, expiresAt: Date.now() }))
    const c = client(storage)
    const error = (await c.api.json('/users/me').catch((e) => e)) as ApiError
    expect(error.status).toBe(401)
    expect(c.signedOut()).toBe(1)
    expect(c.api.session).toBeUndefined()
    expect(storage.map.size).toBe(0)
  })
})

describe('sign-out and problems', () => {
  test('sign-out revokes the refresh token and forgets the session', async () => {
    const c = client()
    const session = await c.api.signIn(admin.email, admin.password)
    await c.api.signOut()
    expect(c.storage.map.size).toBe(0)
    expect(c.signedOut()).toBe(1)
    expect((await tokenWith(session.refreshToken)).status).toBe(400)
  })

  test('problem documents become ApiErrors; the last-admin 409 is explained', async () => {
    const c = client()
    await c.api.signIn(admin.email, admin.password)
    const duplicate = (await c.api.json('/users', { method: 'POST', json: { email: user.email, password: 'long enough pw', name: 'Dup', role: 'user' } }).catch((e) => e)) as ApiError
    expect(duplicate.status).toBe(409)
    expect(duplicate.problem.errors).toEqual([{ path: '/email', message: 'already registered' }])
    const lastAdmin = (await c.api.json(`/users/${admin.id}`, { method: 'DELETE' }).catch((e) => e)) as ApiError
    expect(lastAdmin.status).toBe(409)
    expect(userChangeMessage(lastAdmin)).toBe('Refused: this is the last active administrator. Kiosk always keeps one, so make another account an admin first.')
  })
})
