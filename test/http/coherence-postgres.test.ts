import { SQL } from 'bun'
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createPgCacheChangeLog } from '../../src/db/pg/cache-changes.ts'
import { cacheKeys, createCache } from '../../src/lib/cache.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { createTestApp, createUser, insertProduct, json, onPostgres, type TestApp } from '../helpers.ts'
import { createTestDatabase, databaseUrl, TEST_POSTGRES_URL } from '../postgres.ts'
import { within } from '../within.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Two apps on one PostgreSQL database: what two worker processes or replicas (or a server and
 * kiosk create-admin) are. Their caches follow each other's commits through LISTEN kiosk_cache
 * (migration 0001's triggers NOTIFY at COMMIT). Notifications arrive asynchronously, so each test
 * waits for the drop with a bounded poll and asserts that it happened.
 * PostgreSQL only: on SQLite the same behaviour is PRAGMA data_version and the cache_changes
 * table, tested in test/http/coherence.test.ts.
 */

const WAIT_MS = 5_000

describe.skipIf(!onPostgres)('cache coherence across processes on PostgreSQL (LISTEN/NOTIFY; skipped on SQLite, which has no LISTEN)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let first: TestApp
  let second: TestApp
  /** Another client on the database, outside any app: psql, a migration, an operator's UPDATE. */
  let outsider: SQL
  /** The LISTEN sessions on this database (each app's coherence holds one). */
  const listeners = async () =>
    (
      await outsider`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN%' AND state = 'idle'`
    )[0].n as number

  beforeAll(async () => {
    database = await createTestDatabase()
    first = await createTestApp({}, { databaseUrl: database.url })
    second = await createTestApp({}, { databaseUrl: database.url })
    outsider = new SQL(database.url, { max: 1 })
  })
  afterAll(async () => {
    await outsider.close()
    await second.close()
    await first.close()
    await database.drop()
  })

  const cachedProduct = (id: string) => first.ctx.cache.has(cacheKeys.product(id))
  const priceOf = async (id: string) => (await json(await first.request(`/products/${id}`))).price_cents

  test('ready resolved once the LISTEN was acknowledged: each app holds a listening session', async () => {
    expect(await listeners()).toBe(2)
  })

  test("a price changed through one process is dropped from the other's cache, whose next read has it", async () => {
    const admin = await createUser(first, { role: 'admin' })
    const product = await insertProduct(first, { priceCents: 1000 })
    expect(await priceOf(product.id)).toBe(1000)
    expect(await priceOf(product.id)).toBe(1000)
    expect(cachedProduct(product.id)).toBe(true)
    const patched = await second.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 1250 } })
    expect(patched.status).toBe(200)
    expect(await within(WAIT_MS, () => !cachedProduct(product.id))).toBe(true)
    expect(await priceOf(product.id)).toBe(1250)
  })

  test('a raw UPDATE from another client (no Kiosk code at all) drops the cached product too', async () => {
    const product = await insertProduct(first, { priceCents: 300 })
    expect(await priceOf(product.id)).toBe(300)
    expect(cachedProduct(product.id)).toBe(true)
    await outsider`UPDATE products SET price_cents = 350 WHERE id = ${product.id}`
    expect(await within(WAIT_MS, () => !cachedProduct(product.id))).toBe(true)
    expect(await priceOf(product.id)).toBe(350)
  })

  test('a rolled-back write notifies nothing: the cached entry stays, while a later commit is followed', async () => {
    const [kept, changed] = [await insertProduct(first, { priceCents: 100 }), await insertProduct(first, { priceCents: 200 })]
    await priceOf(kept.id)
    await priceOf(changed.id)
    await outsider
      .begin(async (tx) => {
        await tx`UPDATE products SET price_cents = 101 WHERE id = ${kept.id}`
        throw new Error('roll back')
      })
      .catch(() => {})
    await outsider`UPDATE products SET price_cents = 201 WHERE id = ${changed.id}`
    // Notifications arrive in commit order: once the later commit's is in, an earlier one would have been too.
    expect(await within(WAIT_MS, () => !cachedProduct(changed.id))).toBe(true)
    expect(cachedProduct(kept.id)).toBe(true)
    expect(await priceOf(kept.id)).toBe(100)
  })

  test('an admin promotion by another process (kiosk create-admin) revokes the cached session', async () => {
    const user = await createUser(first)
    expect((await first.request('/users/me', { token: user.token })).status).toBe(200)
    expect(first.ctx.cache.has(cacheKeys.userAuth(user.id))).toBe(true)
    // What `kiosk create-admin --email <theirs>` does, through its own pool.
    await second.services.stores.users.upsertAdmin({ email: user.email, passwordHash: user.passwordHash, at: new Date().toISOString() })
    expect(await within(WAIT_MS, () => !first.ctx.cache.has(cacheKeys.userAuth(user.id)))).toBe(true)
    expect((await first.request('/users/me', { token: user.token })).status).toBe(401)
  })

  test('nothing to poll before a request: sync() reads nothing and drops nothing, prune() has nothing to delete', async () => {
    const product = await insertProduct(first, { priceCents: 700 })
    await priceOf(product.id)
    expect(first.services.coherence.sync()).toBe(0)
    expect(cachedProduct(product.id)).toBe(true)
    expect(await first.services.stores.cacheChanges.prune(Date.now() + 1)).toBe(0)
  })

  test('a dropped LISTEN connection is re-established and drops the whole cache (notifications may have been missed)', async () => {
    const admin = await createUser(first, { role: 'admin' })
    const [a, b] = [await insertProduct(first, { priceCents: 10 }), await insertProduct(first, { priceCents: 20 })]
    await priceOf(a.id)
    await priceOf(b.id)
    expect(first.ctx.cache.size).toBeGreaterThan(0)
    const [killed] = await outsider`
      SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'LISTEN%'`
    expect(killed.n).toBe(2)
    expect(await within(WAIT_MS, () => first.ctx.cache.size === 0)).toBe(true)
    // Listening again: the next change is followed key by key.
    expect(await within(WAIT_MS, async () => (await listeners()) === 2)).toBe(true)
    await priceOf(a.id)
    await priceOf(b.id)
    await second.request(`/products/${a.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 11 } })
    expect(await within(WAIT_MS, () => !cachedProduct(a.id))).toBe(true)
    expect(cachedProduct(b.id)).toBe(true)
    expect(await priceOf(a.id)).toBe(11)
  })

  test('close() ends the LISTEN session', async () => {
    const third = await createTestApp({}, { databaseUrl: database.url })
    try {
      expect(await listeners()).toBe(3)
      await third.services.coherence.close()
      expect(await within(WAIT_MS, async () => (await listeners()) === 2)).toBe(true)
    } finally {
      await third.close()
    }
  })

  test('a database not there at start: ready waits, then resolves once a retried LISTEN succeeds, and changes are followed', async () => {
    const name = `kiosk_test_late_${Bun.randomUUIDv7().replaceAll('-', '').slice(-12)}`
    const admin = new SQL(TEST_POSTGRES_URL, { max: 1 })
    const late = new SQL(databaseUrl(name), { max: 1, connectionTimeout: 2 })
    const cache = createCache({ max: 10, ttlMs: 60_000, clock: new ManualClock(new Date()) })
    const coherence = createPgCacheChangeLog(late).follow(cache)
    let ready = false
    void coherence.ready.then(() => (ready = true))
    try {
      // The database does not exist yet: a query fails, and the subscription cannot have been acknowledged.
      expect(await late`SELECT 1`.catch((error: Error) => error)).toBeInstanceOf(Error)
      expect(ready).toBe(false)
      await admin.unsafe(`CREATE DATABASE ${name}`)
      expect(await within(WAIT_MS, () => ready)).toBe(true)
      cache.set('product:late', { price_cents: 1 })
      await late`SELECT pg_notify('kiosk_cache', 'product:late')`
      expect(await within(WAIT_MS, () => !cache.has('product:late'))).toBe(true)
    } finally {
      await coherence.close()
      await late.close()
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.close()
    }
  })
})
