import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { cacheKeys } from '../../../src/lib/cache.ts'
import { Product } from '../../../src/modules/catalog/model.ts'
import { sql } from 'drizzle-orm'
import { expectProblem, json } from '../../helpers.ts'
import { catalogApp, createProduct, productCacheLookups, writeBehindTheCache } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const { t, admin, customer } = await catalogApp()

describe('GET /products/{id}', () => {
  test('returns the product as the contract shapes it, with a strong ETag', async () => {
    const created = await createProduct(t, admin.token, { name: 'Oak chair', description: 'Solid', category: 'furniture', price_cents: 4999, stock: 3 })
    const response = await t.request(`/products/${created.id}`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-z]+"$/)
    expect(response.headers.get('cache-control')).toBe('no-cache')
    expect(response.headers.get('x-request-id')).toBeTruthy()
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const body = await json(response)
    expect(body).toEqual(created)
    expect(Object.keys(body).sort()).toEqual(
      ['active', 'category', 'created_at', 'description', 'id', 'image_url', 'name', 'price_cents', 'sku', 'stock', 'updated_at'].sort(),
    )
    expect(Value.Check(Product, body)).toBe(true)
  })

  test('answers 304 with the ETag and no body when If-None-Match matches', async () => {
    const { id } = await createProduct(t, admin.token)
    const etag = (await t.request(`/products/${id}`)).headers.get('etag')!
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await t.request(`/products/${id}`, { headers: { 'if-none-match': header } })
      expect(response.status).toBe(304)
      expect(response.headers.get('etag')).toBe(etag)
      expect(await response.text()).toBe('')
    }
  })

  test('answers 200 when If-None-Match names another representation', async () => {
    const { id } = await createProduct(t, admin.token)
    const response = await t.request(`/products/${id}`, { headers: { 'if-none-match': '"stale"' } })
    expect(response.status).toBe(200)
  })

  test('a cached product is served, and 304 answered, without the database', async () => {
    const { id } = await createProduct(t, admin.token)
    const etag = (await t.request(`/products/${id}`)).headers.get('etag')!
    // Behind the cache's back, as only a test may: a hit must not notice.
    await writeBehindTheCache(t, sql`UPDATE products SET name = 'changed behind the cache' WHERE id = ${id}`)
    const before = await productCacheLookups(t)
    const hit = await t.request(`/products/${id}`)
    expect((await json(hit)).name).not.toBe('changed behind the cache')
    expect((await t.request(`/products/${id}`, { headers: { 'if-none-match': etag } })).status).toBe(304)
    const after = await productCacheLookups(t)
    expect(after.hits - before.hits).toBe(2)
    expect(after.misses).toBe(before.misses)
  })

  test('counts a first read as a miss and the next as a hit', async () => {
    const { id } = await createProduct(t, admin.token)
    const before = await productCacheLookups(t)
    await t.request(`/products/${id}`)
    await t.request(`/products/${id}`)
    const after = await productCacheLookups(t)
    expect(after.misses - before.misses).toBe(1)
    expect(after.hits - before.hits).toBe(1)
  })

  test('never serves a stale product after PATCH: new price, new ETag, old ETag no longer 304', async () => {
    const { id } = await createProduct(t, admin.token, { price_cents: 1000 })
    const first = await t.request(`/products/${id}`)
    const oldEtag = first.headers.get('etag')!
    expect((await json(first)).price_cents).toBe(1000)

    const patch = await t.request(`/products/${id}`, { method: 'PATCH', token: admin.token, json: { price_cents: 1250 } })
    expect(patch.status).toBe(200)

    const second = await t.request(`/products/${id}`)
    expect((await json(second)).price_cents).toBe(1250)
    expect(second.headers.get('etag')).not.toBe(oldEtag)
    const revalidated = await t.request(`/products/${id}`, { headers: { 'if-none-match': oldEtag } })
    expect(revalidated.status).toBe(200)
    expect((await json(revalidated)).price_cents).toBe(1250)
  })

  test('shows stock changed by another module once it drops the cache entry (the orders contract)', async () => {
    const { id } = await createProduct(t, admin.token, { stock: 10 })
    await t.request(`/products/${id}`)
    await t.sql(sql`UPDATE products SET stock = stock - 3 WHERE id = ${id}`)
    t.ctx.cache.delete(cacheKeys.product(id))
    expect((await json(await t.request(`/products/${id}`))).stock).toBe(7)
  })

  test('is 404 once the product is deleted, even if it was cached', async () => {
    const { id } = await createProduct(t, admin.token)
    await t.request(`/products/${id}`)
    expect((await t.request(`/products/${id}`, { method: 'DELETE', token: admin.token })).status).toBe(204)
    await expectProblem(await t.request(`/products/${id}`), 404)
  })

  test('is 404 for an unknown id, a path-like id and an overlong id', async () => {
    // (A bare `..` is not in the list: the URL parser resolves /products/.. to /, the index.)
    for (const id of [Bun.randomUUIDv7(), '..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(2000), "1' OR '1'='1"]) {
      await expectProblem(await t.request(`/products/${id}`), 404)
    }
  })

  test('hides an inactive product from anonymous callers and users, not from admins', async () => {
    const { id } = await createProduct(t, admin.token, { active: false })
    await expectProblem(await t.request(`/products/${id}`), 404)
    await expectProblem(await t.request(`/products/${id}`, { token: customer.token }), 404)
    const asAdmin = await t.request(`/products/${id}`, { token: admin.token })
    expect(asAdmin.status).toBe(200)
    expect((await json(asAdmin)).active).toBe(false)
    // And still hidden from others after an admin's read cached it.
    await expectProblem(await t.request(`/products/${id}`), 404)
    await expectProblem(await t.request(`/products/${id}`, { headers: { 'if-none-match': '*' } }), 404)
  })

  test('is 401 with an invalid token, whatever the product', async () => {
    const { id } = await createProduct(t, admin.token)
    await expectProblem(await t.request(`/products/${id}`, { token: 'not-a-jwt' }), 401)
  })
})
