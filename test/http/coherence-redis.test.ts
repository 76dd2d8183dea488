import { SQL } from 'bun'
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { cacheKeys } from '../../src/lib/cache.ts'
import { createTestApp, createUser, insertProduct, json, onPostgres, type TestApp } from '../helpers.ts'
import { createTestDatabase } from '../postgres.ts'
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '../redis.ts'
import { within } from '../within.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * REDIS_URL on PostgreSQL: two apps on one database and one Redis (a private redis-server, which
 * a test kills connections of) keep their caches coherent by pub/sub on kiosk:cache instead of
 * LISTEN kiosk_cache. Messages arrive asynchronously: each test waits with a bounded poll.
 * The twin of test/http/coherence-postgres.test.ts; PostgreSQL only (REDIS_URL is refused with SQLite).
 */

const WAIT_MS = 8_000
const root = resolve(import.meta.dir, '../..')

const skip = !onPostgres ? 'PostgreSQL only: KIOSK_TEST_DATABASE=postgres' : redisServerInstalled ? undefined : 'redis-server is not installed'
describe.skipIf(skip !== undefined)(`cache coherence across replicas through Redis pub/sub${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let server: PrivateRedis
  let first: TestApp
  let second: TestApp
  let outsider: SQL

  beforeAll(async () => {
    database = await createTestDatabase()
    server = await startPrivateRedis()
    first = await createTestApp({ REDIS_URL: server.url }, { databaseUrl: database.url })
    second = await createTestApp({ REDIS_URL: server.url }, { databaseUrl: database.url })
    outsider = new SQL(database.url, { max: 1 })
  })
  afterAll(async () => {
    await outsider.close()
    await second.close()
    await first.close()
    await server.close()
    await database.drop()
  })

  const cachedProduct = (id: string) => first.ctx.cache.has(cacheKeys.product(id))
  const priceOf = async (id: string) => (await json(await first.request(`/products/${id}`))).price_cents

  test('ready resolved once subscribed: each app holds a subscription, and nobody LISTENs on the database', async () => {
    const redis = first.ctx.database.dialect === 'postgres' ? first.ctx.database.redis! : undefined
    expect(await redis!.send('PUBSUB', ['NUMSUB', 'kiosk:cache'])).toEqual(['kiosk:cache', 2])
    const [listening] = await outsider`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`
    expect(listening.n).toBe(0)
  })

  test("a price changed through one app is dropped from the other's cache, whose next read has it", async () => {
    const admin = await createUser(first, { role: 'admin' })
    const product = await insertProduct(first, { priceCents: 1000 })
    expect(await priceOf(product.id)).toBe(1000)
    expect(cachedProduct(product.id)).toBe(true)
    const patched = await second.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 1250 } })
    expect(patched.status).toBe(200)
    expect(await within(WAIT_MS, () => !cachedProduct(product.id))).toBe(true)
    expect(await priceOf(product.id)).toBe(1250)
  })

  test('`kiosk create-admin` (another process) publishes: the promoted account is dropped from a running app, its older tokens refused', async () => {
    const user = await createUser(first)
    expect((await first.request('/users/me', { token: user.token })).status).toBe(200)
    expect(first.ctx.cache.has(cacheKeys.userAuth(user.id))).toBe(true)
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'))
    try {
      const cli = Bun.spawn(['bun', '--no-env-file', 'src/main.ts', 'create-admin', '--email', user.email, '--password-stdin'], {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir, DATABASE_URL: database.url, REDIS_URL: server.url, LOG_LEVEL: 'silent' },
        stdin: new TextEncoder().encode('a new admin password\n'),
        stdout: 'pipe',
        stderr: 'pipe',
      })
      expect(await cli.exited).toBe(0)
      expect(await new Response(cli.stdout).text()).toContain(`promoted ${user.email} to admin`)
      expect(await new Response(cli.stderr).text()).toBe('')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(await within(WAIT_MS, () => !first.ctx.cache.has(cacheKeys.userAuth(user.id)))).toBe(true)
    expect((await first.request('/users/me', { token: user.token })).status).toBe(401)
  })

  test('the bound: a write made outside Kiosk (psql) publishes nothing, so another app sees it after CACHE_TTL, the backstop', async () => {
    const product = await insertProduct(first, { priceCents: 300 })
    expect(await priceOf(product.id)).toBe(300)
    await outsider`UPDATE products SET price_cents = 350 WHERE id = ${product.id}`
    await Bun.sleep(200)
    expect(await priceOf(product.id)).toBe(300)
    first.clock.advance(first.ctx.config.CACHE_TTL + 1)
    expect(await priceOf(product.id)).toBe(350)
  })

  test('a lost subscription is made again and drops the whole cache (messages may have been missed); then it follows key by key', async () => {
    const admin = await createUser(first, { role: 'admin' })
    const [a, b] = [await insertProduct(first, { priceCents: 10 }), await insertProduct(first, { priceCents: 20 })]
    await priceOf(a.id)
    await priceOf(b.id)
    expect(first.ctx.cache.size).toBeGreaterThan(0)
    const redis = first.ctx.database.dialect === 'postgres' ? first.ctx.database.redis! : undefined
    await redis!.send('CLIENT', ['KILL', 'TYPE', 'pubsub'])
    expect(await within(WAIT_MS, () => first.ctx.cache.size === 0)).toBe(true)
    expect(await within(WAIT_MS, async () => ((await redis!.send('PUBSUB', ['NUMSUB', 'kiosk:cache'])) as [string, number])[1] === 2)).toBe(true)
    await priceOf(a.id)
    await priceOf(b.id)
    await second.request(`/products/${a.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 11 } })
    expect(await within(WAIT_MS, () => !cachedProduct(a.id))).toBe(true)
    expect(cachedProduct(b.id)).toBe(true)
    expect(await priceOf(a.id)).toBe(11)
  })

  test('Redis restarted: each app subscribes again and drops its cache; changes are followed again', async () => {
    const admin = await createUser(first, { role: 'admin' })
    const product = await insertProduct(first, { priceCents: 40 })
    await server.stop()
    // Reads need only the database: served, and cached, while Redis is away.
    expect(await priceOf(product.id)).toBe(40)
    expect(cachedProduct(product.id)).toBe(true)
    await server.start()
    expect(await within(WAIT_MS, () => !cachedProduct(product.id))).toBe(true)
    const redis = first.ctx.database.dialect === 'postgres' ? first.ctx.database.redis! : undefined
    expect(await within(WAIT_MS, async () => ((await redis!.send('PUBSUB', ['NUMSUB', 'kiosk:cache'])) as [string, number])[1] === 2)).toBe(true)
    await priceOf(product.id)
    await second.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 41 } })
    expect(await within(WAIT_MS, () => !cachedProduct(product.id))).toBe(true)
    expect(await priceOf(product.id)).toBe(41)
  })
})
