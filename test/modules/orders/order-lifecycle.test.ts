import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { orderStatuses, type OrderStatus } from '../../../src/db/schema.ts'
import { accessTokenFor, createTestApp, createUser, expectProblem, json } from '../../helpers.ts'
import { addProduct, count, stockOf } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())

const admin = await createUser(t, { role: 'admin' })

async function placeOrder(token: string, quantity = 2) {
  const product = await addProduct(t, { stock: 10 })
  const response = await t.request('/orders', { method: 'POST', token, json: { items: [{ product_id: product.id, quantity }] } })
  return { order: await json(response), product }
}

/** Walks an order to `status` through allowed transitions. */
async function orderIn(status: OrderStatus, token: string) {
  const placed = await placeOrder(token)
  const path: Record<OrderStatus, OrderStatus[]> = { pending: [], paid: ['paid'], shipped: ['paid', 'shipped'], delivered: ['paid', 'shipped', 'delivered'], cancelled: ['cancelled'] }
  for (const step of path[status]) {
    expect((await t.request(`/orders/${placed.order.id}`, { method: 'PATCH', token: admin.token, json: { status: step } })).status).toBe(200)
  }
  return placed
}

const ALLOWED = new Set(['pending>paid', 'pending>cancelled', 'paid>shipped', 'paid>cancelled', 'shipped>delivered'])

describe('PATCH /orders/{id} (admin)', () => {
  for (const from of orderStatuses) {
    for (const to of orderStatuses) {
      const allowed = ALLOWED.has(`${from}>${to}`)
      test(`${from} → ${to}: ${allowed ? '200' : '409'}`, async () => {
        const buyer = await createUser(t)
        const { order, product } = await orderIn(from, buyer.token)
        const stockBefore = await stockOf(t, product.id)
        const response = await t.request(`/orders/${order.id}`, { method: 'PATCH', token: admin.token, json: { status: to } })
        if (!allowed) {
          await expectProblem(response, 409)
          expect(await stockOf(t, product.id)).toBe(stockBefore)
          return
        }
        const updated = await json(response)
        expect(updated.status).toBe(to)
        expect(updated.history.at(-1)).toMatchObject({ from, to, by: admin.id })
        expect(await stockOf(t, product.id)).toBe(to === 'cancelled' ? stockBefore + 2 : stockBefore)
      })
    }
  }

  test('403 for the owner, 401 anonymous, 422 for an unknown status, 404 for an unknown order', async () => {
    const buyer = await createUser(t)
    const { order } = await placeOrder(buyer.token)
    await expectProblem(await t.request(`/orders/${order.id}`, { method: 'PATCH', token: buyer.token, json: { status: 'paid' } }), 403)
    await expectProblem(await t.request(`/orders/${order.id}`, { method: 'PATCH', json: { status: 'paid' } }), 401)
    await expectProblem(await t.request(`/orders/${order.id}`, { method: 'PATCH', token: admin.token, json: { status: 'refunded' } }), 422)
    await expectProblem(await t.request('/orders/nope', { method: 'PATCH', token: admin.token, json: { status: 'paid' } }), 404)
  })

  test('every change writes history and an order.status_changed event', async () => {
    const buyer = await createUser(t)
    const { order } = await orderIn('shipped', buyer.token)
    const current = await json(await t.request(`/orders/${order.id}`, { token: buyer.token }))
    expect(current.history.map((h: { from: string | null; to: string }) => `${h.from}>${h.to}`)).toEqual(['null>pending', 'pending>paid', 'paid>shipped'])
    // Event ids are UUIDv7, increasing in the order the events were recorded.
    const events = (await t.sql<{ payload: string }>(sql`SELECT payload FROM outbox WHERE type = 'order.status_changed' ORDER BY id`))
      .map((e) => JSON.parse(e.payload))
      .filter((e) => e.order_id === order.id)
    expect(events.map((e) => `${e.from}>${e.to}`)).toEqual(['pending>paid', 'paid>shipped'])
  })
})

describe('POST /orders/{id}/cancel', () => {
  test('the owner cancels a pending order and the stock comes back', async () => {
    const buyer = await createUser(t)
    const { order, product } = await placeOrder(buyer.token, 3)
    expect(await stockOf(t, product.id)).toBe(7)
    const cancelled = await json(await t.request(`/orders/${order.id}/cancel`, { method: 'POST', token: buyer.token }))
    expect(cancelled.status).toBe('cancelled')
    expect(await stockOf(t, product.id)).toBe(10)
  })

  test('409 once shipped; 404 for another user', async () => {
    const [buyer, stranger] = [await createUser(t), await createUser(t)]
    const { order } = await orderIn('shipped', buyer.token)
    await expectProblem(await t.request(`/orders/${order.id}/cancel`, { method: 'POST', token: buyer.token }), 409)
    const pending = await placeOrder(buyer.token)
    await expectProblem(await t.request(`/orders/${pending.order.id}/cancel`, { method: 'POST', token: stranger.token }), 404)
    expect((await json(await t.request(`/orders/${pending.order.id}`, { token: buyer.token }))).status).toBe('pending')
  })

  test('concurrent cancels return the stock once', async () => {
    const buyer = await createUser(t)
    const { order, product } = await placeOrder(buyer.token, 4)
    const results = await Promise.all(Array.from({ length: 5 }, () => t.request(`/orders/${order.id}/cancel`, { method: 'POST', token: buyer.token })))
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409])
    expect(await stockOf(t, product.id)).toBe(10)
  })
})

describe('GET /orders and /orders/{id}', () => {
  test("an owner sees their order; another user gets 404; an admin sees it", async () => {
    const [buyer, stranger] = [await createUser(t), await createUser(t)]
    const { order } = await placeOrder(buyer.token)
    expect((await t.request(`/orders/${order.id}`, { token: buyer.token })).status).toBe(200)
    await expectProblem(await t.request(`/orders/${order.id}`, { token: stranger.token }), 404)
    expect((await t.request(`/orders/${order.id}`, { token: admin.token })).status).toBe(200)
  })

  test('a user lists only their own orders, newest first, in stable pages', async () => {
    const app = await createTestApp()
    const buyer = await createUser(app)
    const other = await createUser(app)
    const p = await addProduct(app, { stock: 100 })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      app.clock.advance(1000)
      ids.push((await json(await app.request('/orders', { method: 'POST', token: buyer.token, json: { items: [{ product_id: p.id, quantity: 1 }] } }))).id)
      await app.request('/orders', { method: 'POST', token: other.token, json: { items: [{ product_id: p.id, quantity: 1 }] } })
    }
    const first = await json(await app.request('/orders?limit=2', { token: buyer.token }))
    expect(first.items.map((o: { id: string }) => o.id)).toEqual([ids[4], ids[3]])
    // A new order between pages does not shift the next page.
    app.clock.advance(1000)
    await app.request('/orders', { method: 'POST', token: buyer.token, json: { items: [{ product_id: p.id, quantity: 1 }] } })
    const second = await json(await app.request(`/orders?limit=2&cursor=${first.next_cursor}`, { token: buyer.token }))
    expect(second.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]])
    await app.close()
  })

  test('admins list all and filter by user_id, status and dates; users may not use user_id', async () => {
    const app = await createTestApp()
    const root = await createUser(app, { role: 'admin' })
    const [a, b] = [await createUser(app), await createUser(app)]
    const p = await addProduct(app, { stock: 100 })
    const place = async (token: string) => json(await app.request('/orders', { method: 'POST', token, json: { items: [{ product_id: p.id, quantity: 1 }] } }))
    app.clock.set('2026-03-01T10:00:00.000Z')
    const early = await place((await createUser(app)).token)
    app.clock.set('2026-03-05T10:00:00.000Z')
    // Tokens minted at the new time (the first ones expired when the clock jumped).
    const [tokenA, tokenB, rootToken] = await Promise.all([accessTokenFor(app, a), accessTokenFor(app, b), accessTokenFor(app, root)])
    const mine = await place(tokenA)
    await place(tokenB)
    const all = await json(await app.request('/orders?limit=100', { token: rootToken }))
    expect(all.items).toHaveLength(3)
    const byUser = await json(await app.request(`/orders?user_id=${a.id}`, { token: rootToken }))
    expect(byUser.items.map((o: { id: string }) => o.id)).toEqual([mine.id])
    const march1 = await json(await app.request('/orders?from=2026-03-01&to=2026-03-01', { token: rootToken }))
    expect(march1.items.map((o: { id: string }) => o.id)).toEqual([early.id])
    expect((await json(await app.request('/orders?status=paid', { token: rootToken }))).items).toEqual([])
    await expectProblem(await app.request(`/orders?user_id=${b.id}`, { token: tokenA }), 403)
    await expectProblem(await app.request('/orders?from=2026-03-05&to=2026-03-01', { token: rootToken }), 422)
    await expectProblem(await app.request('/orders?from=2026-02-30', { token: rootToken }), 422)
    await expectProblem(await app.request('/orders?cursor=garbage', { token: rootToken }), 422)
    expect(await count(app, 'orders')).toBe(3)
    await app.close()
  })
})
