import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createUserStore } from '../../src/modules/users/store.ts'
import { createCacheChangeStore } from '../../src/db/cache-changes.ts'
import { cacheKeys } from '../../src/lib/cache.ts'
import { createTestApp, createUser, insertProduct, json, onPostgres, sqliteOf, drizzleOf, type TestApp } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Two apps on one database file: what two worker processes (or a server and kiosk create-admin) are.
 * SQLite only: this is PRAGMA data_version and the cache_changes table (PostgreSQL follows
 * LISTEN/NOTIFY instead: test/http/coherence-postgres.test.ts).
 */
describe.skipIf(onPostgres)('cache coherence across processes', () => {
  let first: TestApp
  let second: TestApp
  beforeAll(async () => {
    first = await createTestApp()
    second = await createTestApp({}, { dir: first.dir })
  })
  afterAll(async () => {
    await second.close()
    await first.close()
  })

  test("a price changed through one process is the next read's price in the other, which had it cached", async () => {
    const admin = await createUser(first, { role: 'admin' })
    const product = await insertProduct(first, { priceCents: 1000 })
    expect((await json(await first.request(`/products/${product.id}`))).price_cents).toBe(1000)
    expect((await json(await first.request(`/products/${product.id}`))).price_cents).toBe(1000)
    expect(first.ctx.cache.has(cacheKeys.product(product.id))).toBe(true)
    const patched = await second.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 1250 } })
    expect(patched.status).toBe(200)
    expect((await json(await first.request(`/products/${product.id}`))).price_cents).toBe(1250)
  })

  test('at rest, a request costs no change-log read: the cache keeps serving', async () => {
    const product = await insertProduct(first, { priceCents: 700 })
    await first.request(`/products/${product.id}`)
    expect(first.services.coherence.sync()).toBe(0)
    await first.request(`/products/${product.id}`)
    expect(first.services.coherence.sync()).toBe(0)
  })

  test('an admin promotion by another process (kiosk create-admin) revokes cached sessions at once', async () => {
    const user = await createUser(first)
    expect((await first.request('/users/me', { token: user.token })).status).toBe(200)
    // What `kiosk create-admin --email <theirs>` does, on its own connection.
    await createUserStore(sqliteOf(second), drizzleOf(second)).upsertAdmin({
      email: user.email,
      passwordHash: user.passwordHash,
      at: new Date().toISOString(),
    })
    expect((await first.request('/users/me', { token: user.token })).status).toBe(401)
  })

  test('a process that slept past the pruning of changes it never read drops its whole cache', async () => {
    const admin = await createUser(first, { role: 'admin' })
    const product = await insertProduct(first, { priceCents: 500 })
    await first.request(`/products/${product.id}`)
    await second.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 600 } })
    createCacheChangeStore(sqliteOf(second)).prune(Date.now() + 1)
    expect(first.services.coherence.sync()).toBe(-1)
    expect((await json(await first.request(`/products/${product.id}`))).price_cents).toBe(600)
  })

  test('a gap before the first unread change (older rows pruned, newer kept) also drops the whole cache', async () => {
    const admin = await createUser(first, { role: 'admin' })
    const [a, b] = [await insertProduct(first, { priceCents: 100 }), await insertProduct(first, { priceCents: 200 })]
    await first.request(`/products/${a.id}`)
    await first.request(`/products/${b.id}`)
    await second.request(`/products/${a.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 101 } })
    await second.request(`/products/${b.id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 201 } })
    sqliteOf(second).run("DELETE FROM cache_changes WHERE key = ?", [`product:${a.id}`])
    expect(first.services.coherence.sync()).toBe(-1)
    expect((await json(await first.request(`/products/${a.id}`))).price_cents).toBe(101)
    expect((await json(await first.request(`/products/${b.id}`))).price_cents).toBe(201)
  })
})
