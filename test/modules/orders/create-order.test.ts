import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { cacheKeys } from '../../../src/lib/cache.ts'
import { accessTokenFor, createTestApp, createUser, expectProblem, json } from '../../helpers.ts'
import { addProduct, count, stockOf } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp({ LOW_STOCK_THRESHOLD: '5' })
afterAll(() => t.close())

const order = (token: string, body: unknown, headers: Record<string, string> = {}) => t.request('/orders', { method: 'POST', token, json: body, headers })

describe('POST /orders', () => {
  test('201 with Location: catalog prices, exact totals, stock taken, history started', async () => {
    const buyer = await createUser(t)
    const [a, b] = [await addProduct(t, { priceCents: 250, stock: 10 }), await addProduct(t, { priceCents: 1999, stock: 3 })]
    const response = await order(buyer.token, { items: [{ product_id: a.id, quantity: 4 }, { product_id: b.id, quantity: 1 }], note: 'ring twice' })
    expect(response.status).toBe(201)
    const body = await json(response)
    expect(response.headers.get('location')).toBe(`/orders/${body.id}`)
    expect(body).toMatchObject({
      user_id: buyer.id,
      status: 'pending',
      total_cents: 4 * 250 + 1999,
      currency: 'USD',
      note: 'ring twice',
      items: [
        { product_id: a.id, sku: a.sku, name: a.name, unit_price_cents: 250, quantity: 4, line_total_cents: 1000 },
        { product_id: b.id, sku: b.sku, name: b.name, unit_price_cents: 1999, quantity: 1, line_total_cents: 1999 },
      ],
    })
    expect(body.history).toEqual([{ from: null, to: 'pending', at: body.created_at, by: buyer.id }])
    expect([await stockOf(t, a.id), await stockOf(t, b.id)]).toEqual([6, 2])
  })

  test('ignores client prices, totals, status and user_id', async () => {
    const [buyer, other] = [await createUser(t), await createUser(t)]
    const product = await addProduct(t, { priceCents: 500 })
    const body = await json(
      await order(buyer.token, { items: [{ product_id: product.id, quantity: 2, unit_price_cents: 1, price_cents: 1 }], total_cents: 2, status: 'paid', user_id: other.id }),
    )
    expect(body).toMatchObject({ total_cents: 1000, status: 'pending', user_id: buyer.id })
  })

  test('409 naming every short line, and nothing changes', async () => {
    const buyer = await createUser(t)
    const [plenty, few, none] = [await addProduct(t, { stock: 50 }), await addProduct(t, { stock: 2 }), await addProduct(t, { stock: 0 })]
    const before = await count(t, 'orders')
    const problem = await expectProblem(
      await order(buyer.token, { items: [{ product_id: plenty.id, quantity: 5 }, { product_id: few.id, quantity: 3 }, { product_id: none.id, quantity: 1 }] }),
      409,
    )
    expect(problem.errors).toEqual([
      expect.objectContaining({ path: '/items/1/quantity', product_id: few.id, requested: 3, available: 2 }),
      expect.objectContaining({ path: '/items/2/quantity', product_id: none.id, requested: 1, available: 0 }),
    ])
    expect([await stockOf(t, plenty.id), await stockOf(t, few.id), await stockOf(t, none.id)]).toEqual([50, 2, 0])
    expect(await count(t, 'orders')).toBe(before)
  })

  test('422 for unknown or inactive products, naming the line', async () => {
    const buyer = await createUser(t)
    const [live, archived] = [await addProduct(t), await addProduct(t, { active: false })]
    const problem = await expectProblem(
      await order(buyer.token, { items: [{ product_id: live.id, quantity: 1 }, { product_id: 'nope', quantity: 1 }, { product_id: archived.id, quantity: 1 }] }),
      422,
    )
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['/items/1/product_id', '/items/2/product_id'])
    expect(await stockOf(t, live.id)).toBe(10)
  })

  const product = () => addProduct(t, { stock: 5000 })
  test.each([
    ['zero quantity', async () => ({ items: [{ product_id: (await product()).id, quantity: 0 }] })],
    ['negative quantity', async () => ({ items: [{ product_id: (await product()).id, quantity: -1 }] })],
    ['quantity 1001', async () => ({ items: [{ product_id: (await product()).id, quantity: 1001 }] })],
    ['fractional quantity', async () => ({ items: [{ product_id: (await product()).id, quantity: 1.5 }] })],
    ['a quantity as a string', async () => ({ items: [{ product_id: (await product()).id, quantity: '2' }] })],
    ['no lines', async () => ({ items: [] })],
    ['101 lines', async () => ({ items: Array.from({ length: 101 }, async () => ({ product_id: (await product()).id, quantity: 1 })) })],
    ['the same product twice', async () => { const p = await product(); return { items: [{ product_id: p.id, quantity: 1 }, { product_id: p.id, quantity: 1 }] } }],
    ['a missing body', async () => undefined],
    ['a 1001-character note', async () => ({ items: [{ product_id: (await product()).id, quantity: 1 }], note: 'x'.repeat(1001) })],
    // PostgreSQL's text can't hold a NUL, SQLite's can: refused alike on both.
    ['a note with a NUL', async () => ({ items: [{ product_id: (await product()).id, quantity: 1 }], note: 'leave at\u0000the door' })],
  ])('422 for %s, creating nothing', async (_, body) => {
    const buyer = await createUser(t)
    const before = await count(t, 'orders')
    const payload = await body()
    const response = await t.request('/orders', { method: 'POST', token: buyer.token, json: payload, headers: payload === undefined ? { 'content-type': 'application/json' } : {} })
    await expectProblem(response, 422)
    expect(await count(t, 'orders')).toBe(before)
  })

  test('401 for anonymous callers whatever the body', async () => {
    await expectProblem(await t.request('/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items":' }), 401)
  })

  test('writes order.created (and product.low_stock when stock crosses the threshold) in the same transaction', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 8 })
    const before = await count(t, 'outbox')
    const created = await json(await order(buyer.token, { items: [{ product_id: p.id, quantity: 3 }] }))
    // The product is new: the only events naming it are this order's (both dialects; no rowid on PostgreSQL).
    const events = await t.sql<{ type: string; payload: string }>(sql`SELECT type, payload FROM outbox WHERE payload LIKE ${`%"product_id":"${p.id}"%`}`)
    expect(await count(t, 'outbox')).toBe(before + 2)
    expect(events.map((e) => e.type).sort()).toEqual(['order.created', 'product.low_stock'])
    expect(JSON.parse(events.find((e) => e.type === 'order.created')!.payload)).toEqual(created)
    expect(JSON.parse(events.find((e) => e.type === 'product.low_stock')!.payload)).toMatchObject({ product_id: p.id, stock: 5, threshold: 5 })
    // Already at the threshold: no second low-stock event.
    await order(buyer.token, { items: [{ product_id: p.id, quantity: 1 }] })
    expect(await count(t, 'outbox')).toBe(before + 3)
    // A failed order writes no event.
    await order(buyer.token, { items: [{ product_id: p.id, quantity: 99 }] })
    expect(await count(t, 'outbox')).toBe(before + 3)
  })

  test('drops the cached product after taking its stock', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 10 })
    expect((await json(await t.request(`/products/${p.id}`))).stock).toBe(10)
    expect(t.ctx.cache.has(cacheKeys.product(p.id))).toBe(true)
    await order(buyer.token, { items: [{ product_id: p.id, quantity: 4 }] })
    expect(t.ctx.cache.has(cacheKeys.product(p.id))).toBe(false)
    expect((await json(await t.request(`/products/${p.id}`))).stock).toBe(6)
  })
})

describe('Idempotency-Key', () => {
  test('the same key and body replay the first 201 and create nothing', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 10 })
    const body = { items: [{ product_id: p.id, quantity: 2 }] }
    const first = await order(buyer.token, body, { 'idempotency-key': 'checkout-1' })
    const firstBody = await json(first)
    const again = await order(buyer.token, body, { 'idempotency-key': 'checkout-1' })
    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await json(again)).toEqual(firstBody)
    expect(await stockOf(t, p.id)).toBe(8)
  })

  test('the same key with another body is 422', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 10 })
    await order(buyer.token, { items: [{ product_id: p.id, quantity: 2 }] }, { 'idempotency-key': 'k-2' })
    await expectProblem(await order(buyer.token, { items: [{ product_id: p.id, quantity: 3 }] }, { 'idempotency-key': 'k-2' }), 422)
    expect(await stockOf(t, p.id)).toBe(8)
  })

  test('keys belong to their user', async () => {
    const [a, b] = [await createUser(t), await createUser(t)]
    const p = await addProduct(t, { stock: 10 })
    const body = { items: [{ product_id: p.id, quantity: 1 }] }
    const first = await json(await order(a.token, body, { 'idempotency-key': 'shared' }))
    const second = await json(await order(b.token, body, { 'idempotency-key': 'shared' }))
    expect(second.id).not.toBe(first.id)
    expect(await stockOf(t, p.id)).toBe(8)
  })

  test('a failed first attempt is not remembered', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 1 })
    const body = { items: [{ product_id: p.id, quantity: 2 }] }
    expect((await order(buyer.token, body, { 'idempotency-key': 'retry-me' })).status).toBe(409)
    await t.sql(sql`UPDATE products SET stock = 5 WHERE id = ${p.id}`)
    expect((await order(buyer.token, body, { 'idempotency-key': 'retry-me' })).status).toBe(201)
  })

  test('keys expire after 24 h and the sweep deletes them', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t, { stock: 10 })
    const body = { items: [{ product_id: p.id, quantity: 1 }] }
    const first = await json(await order(buyer.token, body, { 'idempotency-key': 'old' }))
    t.clock.advance(24 * 3_600_000 + 1)
    const token = await accessTokenFor(t, buyer)
    const later = await json(await order(token, body, { 'idempotency-key': 'old' }))
    expect(later.id).not.toBe(first.id)
    await order(token, body, { 'idempotency-key': 'older' })
    t.clock.advance(24 * 3_600_000 + 1)
    const swept = await t.services.orders.sweepIdempotencyKeys()
    expect(swept).toBeGreaterThanOrEqual(2)
    expect((await t.sql(sql`SELECT CAST(count(*) AS integer) AS n FROM idempotency_keys WHERE key IN ('old', 'older')`))[0]).toEqual({ n: 0 })
  })

  test('422 for a key that is not 1..255 visible ASCII', async () => {
    const buyer = await createUser(t)
    const p = await addProduct(t)
    await expectProblem(await order(buyer.token, { items: [{ product_id: p.id, quantity: 1 }] }, { 'idempotency-key': 'x'.repeat(256) }), 422)
  })
})
