import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ConfigError, loadConfig } from '../../../src/config.ts'
import { DATABASE_RETRY_AFTER_SECONDS } from '../../../src/http/problem.ts'
import { createTestApp, createUser, expectProblem, insertProduct, json, onPostgres, type TestApp } from '../../helpers.ts'
import { createTestDatabase } from '../../postgres.ts'
import { redisMissing, redisServerInstalled, startPrivateRedis, TEST_REDIS_URL, type PrivateRedis } from '../../redis.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * REDIS_URL on PostgreSQL: two test apps on one database and one Redis are two replicas. Their
 * login and sign-up limits are counted in Redis, together; losing Redis answers 503 (readiness
 * and the requests that need it), and they recover by themselves when it is back.
 * PostgreSQL-only (REDIS_URL is refused with SQLite, checked below in both passes).
 */

const login = (t: TestApp, username: string, password: string) =>
  t.request('/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  })
const register = (t: TestApp, email: string) => t.request('/auth/register', { method: 'POST', json: { email, password: 'password-123', name: 'New' } })

const LIMITS = { LOGIN_MAX_FAILURES: '4', LOGIN_MAX_FAILURES_PER_ADDRESS: '100', REGISTER_MAX_PER_ADDRESS: '3' }

describe('REDIS_URL settings', () => {
  test('refused with SQLite (no DATABASE_URL), with one line naming it', () => {
    const error = (() => {
      try {
        loadConfig({ NODE_ENV: 'test', REDIS_URL: 'redis://127.0.0.1:6379' })
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      'REDIS_URL: needs DATABASE_URL (PostgreSQL); on SQLite processes share limits and cache changes through the database file (unset REDIS_URL)',
    ])
  })

  test('`kiosk serve` with REDIS_URL and no DATABASE_URL stops at start-up: exit 78, one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-redis-sqlite-'))
    try {
      const serve = Bun.spawn(['bun', '--no-env-file', resolve(import.meta.dir, '../../../src/main.ts'), 'serve'], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir, REDIS_URL: 'redis://127.0.0.1:6379' },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      expect(await serve.exited).toBe(78)
      expect((await new Response(serve.stderr).text()).trim()).toBe(
        'kiosk: configuration error: REDIS_URL: needs DATABASE_URL (PostgreSQL); on SQLite processes share limits and cache changes through the database file (unset REDIS_URL)',
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('redis:// and rediss:// only; the password is not echoed back', () => {
    const base = { NODE_ENV: 'test', DATABASE_URL: 'postgres://kiosk@db/kiosk' }
    expect(loadConfig({ ...base, REDIS_URL: 'rediss://:secret@cache.internal:6380' }).REDIS_URL).toBe('rediss://:secret@cache.internal:6380')
    expect(loadConfig(base).REDIS_URL).toBeUndefined()
    for (const [value, line] of [
      ['http://:hunter2@cache:6379', 'REDIS_URL: expected redis:// or rediss://, got "http://"'],
      ['not a url', 'REDIS_URL: expected a URL such as redis://:password@host:6379 or rediss://… (TLS)'],
    ] as const) {
      expect(() => loadConfig({ ...base, REDIS_URL: value })).toThrow(line)
      try {
        loadConfig({ ...base, REDIS_URL: value })
      } catch (error) {
        expect((error as Error).message).not.toContain('hunter2')
      }
    }
  })
})

const skipApps = !onPostgres ? 'PostgreSQL only: KIOSK_TEST_DATABASE=postgres' : redisMissing
describe.skipIf(skipApps !== undefined)(`limits of two replicas shared through Redis${skipApps ? ` (skipped: ${skipApps})` : ''}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    database = await createTestDatabase()
    a = await createTestApp({ REDIS_URL: TEST_REDIS_URL, ...LIMITS }, { databaseUrl: database.url })
    b = await createTestApp({ REDIS_URL: TEST_REDIS_URL, ...LIMITS }, { databaseUrl: database.url })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
    await database.drop()
  })

  test('2 × LOGIN_MAX_FAILURES wrong passwords alternating over the two apps: the limit holds for the pair, not per app', async () => {
    const user = await createUser(a)
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push((await login(i % 2 ? a : b, user.email, `wrong guess ${i}`)).status)
    expect(statuses).toEqual([400, 400, 400, 400, 429, 429, 429, 429])
    // Even the right password, on either app, until the window passes.
    await expectProblem(await login(a, user.email, user.password), 429)
    await expectProblem(await login(b, user.email, user.password), 429)
  })

  test('a concurrent burst over both apps is counted in one place: exactly LOGIN_MAX_FAILURES get an answer', async () => {
    const user = await createUser(a)
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => login(i % 2 ? a : b, user.email, `wrong guess ${i}`)))
    expect(responses.filter((r) => r.status === 400)).toHaveLength(4)
    expect(responses.filter((r) => r.status === 429)).toHaveLength(8)
  })

  test('sign-ups per address are counted across the apps', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await register(i % 2 ? a : b, `new${i}-${crypto.randomUUID().slice(0, 8)}@example.com`)).status)
    expect(statuses).toEqual([201, 201, 201, 429, 429, 429])
  })

  test('the counts live in Redis: the database tables stay empty', async () => {
    expect(await a.sql(sql`SELECT count(*)::int AS n FROM rate_limit_events`)).toEqual([{ n: 0 }])
    expect(await a.sql(sql`SELECT count(*)::int AS n FROM recent_pairs`)).toEqual([{ n: 0 }])
  })

  test('/health/ready reports Redis', async () => {
    const response = await a.request('/health/ready')
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ status: 'ok', checks: { database: 'ok', migrations: 'ok', redis: 'ok' } })
  })

  test("the OpenAPI document describes readiness's redis check", async () => {
    const doc = await json(await a.request('/docs/json'))
    for (const status of ['200', '503']) {
      const checks = doc.paths['/health/ready'].get.responses[status].content['application/json'].schema.properties.checks
      expect(checks.properties.redis.enum).toEqual(['ok', 'unavailable'])
      expect(checks.required).not.toContain('redis')
      expect(checks.description).toStartWith('`redis` only with REDIS_URL')
    }
  })
})

const skipOutage = !onPostgres ? 'PostgreSQL only: KIOSK_TEST_DATABASE=postgres' : redisServerInstalled ? undefined : 'redis-server is not installed'
describe.skipIf(skipOutage !== undefined)(`losing Redis answers 503, and Redis back recovers${skipOutage ? ` (skipped: ${skipOutage})` : ''}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let server: PrivateRedis
  let a: TestApp
  let b: TestApp
  beforeAll(async () => {
    database = await createTestDatabase()
    server = await startPrivateRedis()
    a = await createTestApp({ REDIS_URL: server.url, ...LIMITS }, { databaseUrl: database.url })
    b = await createTestApp({ REDIS_URL: server.url, ...LIMITS }, { databaseUrl: database.url })
  })
  afterAll(async () => {
    await b.close()
    await a.close()
    await server.close()
    await database.drop()
  })

  test('Redis stopped: /health/ready and a login answer 503; reads that need only the database still work; back: both recover', async () => {
    const user = await createUser(a)
    const product = await insertProduct(a, { priceCents: 500 })
    expect((await login(a, user.email, user.password)).status).toBe(200)

    await server.stop()
    const started = performance.now()
    const ready = await b.request('/health/ready')
    expect(ready.status).toBe(503)
    expect(await json(ready)).toEqual({ status: 'unavailable', checks: { database: 'ok', migrations: 'ok', redis: 'unavailable' } })
    for (const t of [a, b]) {
      const refused = await login(t, user.email, user.password)
      await expectProblem(refused, 503)
      expect(refused.headers.get('retry-after')).toBe(String(DATABASE_RETRY_AFTER_SECONDS))
    }
    await expectProblem(await register(a, `outage-${crypto.randomUUID().slice(0, 8)}@example.com`), 503)
    expect(performance.now() - started).toBeLessThan(2_000)
    // No silent downgrade: nothing was counted in the database meanwhile.
    expect(await a.sql(sql`SELECT count(*)::int AS n FROM rate_limit_events`)).toEqual([{ n: 0 }])
    expect((await b.request(`/products/${product.id}`)).status).toBe(200)

    await server.start()
    expect((await b.request('/health/ready')).status).toBe(200)
    expect((await login(b, user.email, user.password)).status).toBe(200)
    expect((await login(a, `nobody-${crypto.randomUUID().slice(0, 8)}@example.com`, 'wrong guess')).status).toBe(400)
  })
})
