import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { capturingLogger, createTestApp, createUser, expectProblem, json, type TestApp } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Nobody can lock someone else out: failed logins are limited per (account, address) pair, per
 * address, and per account only for addresses the account has not logged in from.
 * Addresses come from X-Forwarded-For (TRUST_PROXY=true), as behind a proxy.
 */

const apps: TestApp[] = []
const app = async (env: Record<string, string> = {}) => {
  const log = capturingLogger()
  const created = await createTestApp({ TRUST_PROXY: 'true', ...env }, { logger: log.logger })
  apps.push(created)
  return { t: created, log }
}
afterEach(async () => {
  for (const created of apps.splice(0)) await created.close()
})

const login = (t: TestApp, username: string, password: string, address: string, requestId?: string) =>
  t.request('/token', {
    method: 'POST',
    headers: { 'x-forwarded-for': address, ...(requestId ? { 'x-request-id': requestId } : {}) },
    json: { username, password },
  })

describe('POST /token lockout policy', () => {
  test("a stranger's failures lock only the stranger's address: the owner logs in from another", async () => {
    const { t } = await app({ LOGIN_MAX_FAILURES: '5' })
    const owner = await createUser(t)
    for (let i = 0; i < 5; i++) expect((await login(t, owner.email, `wrong guess ${i}`, '203.0.113.66')).status).toBe(400)
    await expectProblem(await login(t, owner.email, owner.password, '203.0.113.66'), 429)
    expect((await login(t, owner.email, owner.password, '198.51.100.10')).status).toBe(200)
  })

  test('one address is limited across accounts (LOGIN_MAX_FAILURES_PER_ADDRESS)', async () => {
    const { t } = await app({ LOGIN_MAX_FAILURES_PER_ADDRESS: '3' })
    const user = await createUser(t)
    for (let i = 0; i < 3; i++) expect((await login(t, `victim${i}@example.com`, 'guess guess', '203.0.113.9')).status).toBe(400)
    await expectProblem(await login(t, user.email, user.password, '203.0.113.9'), 429)
    expect((await login(t, user.email, user.password, '203.0.113.10')).status).toBe(200)
  })

  test('guesses spread over many addresses hit the per-account ceiling, which spares addresses the owner logged in from', async () => {
    const { t } = await app({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '4' })
    const admin = await createUser(t, { role: 'admin' })
    // The admin has logged in from the office before the attack.
    expect((await login(t, admin.email, admin.password, '198.51.100.1')).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await login(t, admin.email, 'not the password', `203.0.113.${i + 1}`)).status).toBe(400)
    // The ceiling is full: a fifth stranger (and any unknown address) gets 429 without a password check...
    const limited = await login(t, admin.email, 'not the password', '203.0.113.200')
    await expectProblem(limited, 429)
    expect(Number(limited.headers.get('retry-after'))).toBe(15 * 60)
    // ...while the admin, from the known address, still gets in.
    expect((await login(t, admin.email, admin.password, '198.51.100.1')).status).toBe(200)
  })

  test('a known address stops being exempt after LOGIN_KNOWN_ADDRESS_TTL', async () => {
    const { t } = await app({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2', LOGIN_KNOWN_ADDRESS_TTL: '1h', LOGIN_WINDOW: '2h' })
    const user = await createUser(t)
    expect((await login(t, user.email, user.password, '198.51.100.1')).status).toBe(200)
    t.clock.advance(60 * 60_000 + 1)
    for (let i = 0; i < 2; i++) expect((await login(t, user.email, 'not the password', `203.0.113.${i + 1}`)).status).toBe(400)
    await expectProblem(await login(t, user.email, user.password, '198.51.100.1'), 429)
  })

  test('defaults: 5 per pair, 20 per address, 100 per account, known addresses for 30 days', async () => {
    const { t } = await app()
    const { LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS, LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_KNOWN_ADDRESS_TTL } = t.ctx.config
    expect({ LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS, LOGIN_MAX_FAILURES_PER_ACCOUNT, LOGIN_KNOWN_ADDRESS_TTL }).toEqual({
      LOGIN_MAX_FAILURES: 5,
      LOGIN_MAX_FAILURES_PER_ADDRESS: 20,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 100,
      LOGIN_KNOWN_ADDRESS_TTL: 30 * 86_400_000,
    })
  })
})

describe('security events in the log', () => {
  test('a lockout is logged at warn with its request id, account and address', async () => {
    const { t, log } = await app({ LOGIN_MAX_FAILURES: '2' })
    const user = await createUser(t)
    await login(t, user.email, 'wrong guess 1', '203.0.113.5', 'req-first')
    expect(log.security('login_locked')).toEqual([])
    await login(t, user.email, 'wrong guess 2', '203.0.113.5', 'req-locking')
    expect(log.security('login_locked')).toEqual([
      expect.objectContaining({ level: 40, request_id: 'req-locking', limit: 'pair', account: user.email, address: '203.0.113.5', retry_after: 900 }),
    ])
    expect(JSON.stringify(log.lines)).not.toContain('wrong guess')
  })

  test('rate-limit refusals are sampled: one line per limit and key per minute, counting the ones skipped', async () => {
    const { t, log } = await app({ LOGIN_MAX_FAILURES: '1' })
    const user = await createUser(t)
    await login(t, user.email, 'wrong guess', '203.0.113.5')
    for (let i = 0; i < 10; i++) await expectProblem(await login(t, user.email, user.password, '203.0.113.5', `req-${i}`), 429)
    expect(log.security('rate_limited')).toEqual([
      expect.objectContaining({ level: 40, request_id: 'req-0', limit: 'pair', account: user.email, address: '203.0.113.5', skipped: 0 }),
    ])
    t.clock.advance(60_000)
    await expectProblem(await login(t, user.email, user.password, '203.0.113.5', 'req-later'), 429)
    expect(log.security('rate_limited').map((line) => [line.request_id, line.skipped])).toEqual([
      ['req-0', 0],
      ['req-later', 9],
    ])
  })

  test('a sign-up refusal is logged as rate_limited', async () => {
    const { t, log } = await app({ REGISTER_MAX_PER_ADDRESS: '1' })
    const register = (n: number) =>
      t.request('/auth/register', {
        method: 'POST',
        headers: { 'x-forwarded-for': '203.0.113.77', 'x-request-id': `signup-${n}` },
        json: { email: `flood${n}@example.com`, password: 'long enough password', name: 'Flood' },
      })
    expect((await register(1)).status).toBe(201)
    await expectProblem(await register(2), 429)
    expect(log.security('rate_limited')).toEqual([expect.objectContaining({ request_id: 'signup-2', limit: 'registrations', address: '203.0.113.77' })])
  })

  test('refresh-token reuse is logged with its request id, user and family', async () => {
    const { t, log } = await app()
    const user = await createUser(t)
    const tokens = await json(await login(t, user.email, user.password, '198.51.100.1'))
    const refresh = (requestId: string) =>
      t.request('/token', { method: 'POST', headers: { 'x-request-id': requestId }, json: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } })
    expect((await refresh('rotate')).status).toBe(200)
    expect(log.security('refresh_token_reuse')).toEqual([])
    expect((await refresh('replay')).status).toBe(400)
    expect(log.security('refresh_token_reuse')).toEqual([
      expect.objectContaining({ level: 40, request_id: 'replay', user_id: user.id, family_id: expect.any(String) }),
    ])
    expect(JSON.stringify(log.lines)).not.toContain(tokens.refresh_token)
  })
})
