import { SQL } from 'bun'
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { cacheKeys } from '../../../src/lib/cache.ts'
import { createTestApp, createUser, json, onPostgres, sqliteOf } from '../../helpers.ts'
import { addProduct, count, stockOf } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Many orders fired in one event-loop turn through app.handle: on SQLite they are placed in shared
 * transactions (group commit), on PostgreSQL in concurrent transactions of their own; either way
 * each keeps its own all-or-nothing outcome, exactly as if placed one by one.
 */
const t = await createTestApp()
afterAll(() => t.close())

const order = (token: string, body: unknown, headers: Record<string, string> = {}) => t.request('/orders', { method: 'POST', token, json: body, headers })
const line = (product_id: string, quantity: number) => ({ items: [{ product_id, quantity }] })
const sorted = (values: number[]) => [...values].sort((a, b) => a - b)

describe('orders placed in one turn', () => {
  test('each keeps its own outcome: successes, short stock, unknown product, replayed and reused keys; stock is exact', async () => {
    const buyers = await Promise.all(Array.from({ length: 4 }, () => createUser(t)))
    const [plenty, lastTwo, scarce, multi] = [
      await addProduct(t, { stock: 100 }),
      await addProduct(t, { stock: 2 }),
      await addProduct(t, { stock: 3 }),
      await addProduct(t, { stock: 50 }),
    ]
    // A cached read of every product, which must not survive the orders' commit.
    for (const p of [plenty, lastTwo, scarce, multi]) expect((await json(await t.request(`/products/${p.id}`))).stock).toBe(p.stock)
    const ordersBefore = await count(t, 'orders')
    const keysBefore = await count(t, 'idempotency_keys')
    const outboxBefore = await count(t, 'outbox')

    const requests = {
      plenty: Array.from({ length: 10 }, (_, i) => order(buyers[i % 4]!.token, line(plenty.id, 3))),
      // Two orders of 2 for the last 2: exactly one wins, the other is 409 with 0 available.
      lastTwo: Array.from({ length: 2 }, (_, i) => order(buyers[i]!.token, line(lastTwo.id, 2))),
      // More than there ever was: 409 naming the line with what is there.
      tooMany: order(buyers[0]!.token, line(scarce.id, 4)),
      // A line that fits next to one that doesn't: all or nothing, nothing of `multi` is taken.
      mixed: order(buyers[1]!.token, { items: [{ product_id: multi.id, quantity: 5 }, { product_id: scarce.id, quantity: 9 }] }),
      unknown: order(buyers[2]!.token, line(Bun.randomUUIDv7(), 1)),
      // Three requests with one key and body from one user: one order, two replays of it.
      replayed: Array.from({ length: 3 }, () => order(buyers[3]!.token, line(multi.id, 7), { 'idempotency-key': 'same-turn' })),
      // One key with two bodies: whichever is placed first wins, the other is 422.
      reused: [order(buyers[2]!.token, line(multi.id, 1), { 'idempotency-key': 'reused' }), order(buyers[2]!.token, line(multi.id, 2), { 'idempotency-key': 'reused' })],
      scarceOk: order(buyers[0]!.token, line(scarce.id, 3)),
    }

    const plentyResponses = await Promise.all(requests.plenty)
    expect(plentyResponses.map((r) => r.status)).toEqual(Array(10).fill(201))

    const lastTwoResponses = await Promise.all(requests.lastTwo)
    expect(sorted(lastTwoResponses.map((r) => r.status))).toEqual([201, 409])
    const lost = (await json(lastTwoResponses.find((r) => r.status === 409)!)) as { errors: unknown[] }
    expect(lost.errors).toEqual([expect.objectContaining({ path: '/items/0/quantity', product_id: lastTwo.id, requested: 2, available: 0 })])

    const tooMany = await requests.tooMany
    expect(tooMany.status).toBe(409)
    const tooManyProblem = (await json(tooMany)) as { errors: { available: number }[] }
    // Placed before or after `scarceOk` in the same batch: what was there at its turn.
    expect([0, 3]).toContain(tooManyProblem.errors[0]!.available)

    const mixed = await requests.mixed
    expect(mixed.status).toBe(409)
    expect(((await json(mixed)) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['/items/1/quantity'])

    const unknown = await requests.unknown
    expect(unknown.status).toBe(422)
    expect(((await json(unknown)) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['/items/0/product_id'])

    const replayed = await Promise.all(requests.replayed)
    expect(replayed.map((r) => r.status)).toEqual([201, 201, 201])
    // Arrival order at the store is not request order (each request has its own awaits): one first, two replays.
    expect(replayed.map((r) => r.headers.get('idempotent-replayed') ?? 'first').sort()).toEqual(['first', 'true', 'true'])
    const replayedIds = await Promise.all(replayed.map(async (r) => (await json(r)).id as string))
    expect(new Set(replayedIds).size).toBe(1)
    expect(replayed.map((r) => r.headers.get('location'))).toEqual(Array(3).fill(`/orders/${replayedIds[0]}`))

    const reused = await Promise.all(requests.reused)
    expect(sorted(reused.map((r) => r.status))).toEqual([201, 422])
    const reusedWinner = (await json(reused.find((r) => r.status === 201)!)) as { items: { quantity: number }[] }

    expect((await requests.scarceOk).status).toBe(201)

    // 10 + 1 + 1 (replayed) + 1 (reused) + 1 (scarce) orders; two remembered keys; stock exact.
    expect(await count(t, 'orders')).toBe(ordersBefore + 14)
    expect(await count(t, 'idempotency_keys')).toBe(keysBefore + 2)
    expect(await stockOf(t, plenty.id)).toBe(70)
    expect(await stockOf(t, lastTwo.id)).toBe(0)
    expect(await stockOf(t, scarce.id)).toBe(0)
    const multiLeft = 50 - 7 - reusedWinner.items[0]!.quantity
    expect(await stockOf(t, multi.id)).toBe(multiLeft)
    // One order.created per order and nothing else (lastTwo and scarce started at or under the low-stock threshold).
    expect(await count(t, 'outbox')).toBe(outboxBefore + 14)
    // No stale cached stock after the 201s.
    for (const [p, stock] of [[plenty, 70], [lastTwo, 0], [scarce, 0], [multi, multiLeft]] as const) {
      expect(t.ctx.cache.has(cacheKeys.product(p.id))).toBe(false)
      expect((await json(await t.request(`/products/${p.id}`))).stock).toBe(stock)
    }
  })

  test.skipIf(onPostgres)('a 201 is answered only once its order is committed (SQLite: after the shared COMMIT)', async () => {
    const buyer = await createUser(t)
    const product = await addProduct(t, { stock: 10 })
    const responses = await Promise.all(Array.from({ length: 5 }, () => order(buyer.token, line(product.id, 1))))
    expect(sqliteOf(t).inTransaction).toBe(false)
    // Read back on another connection: it sees only committed rows, so each is durable, not merely pending.
    const reader = new Database(t.ctx.config.DATABASE_PATH, { readonly: true })
    for (const response of responses) {
      const { id } = await json(response)
      expect(reader.query<{ n: number }, [string]>('SELECT count(*) AS n FROM orders WHERE id = ?').get(id)!.n).toBe(1)
    }
    reader.close()
    expect(await stockOf(t, product.id)).toBe(5)
  })

  test.skipIf(!onPostgres)('a 201 is answered only once its order is committed (PostgreSQL: another connection sees it)', async () => {
    const buyer = await createUser(t)
    const product = await addProduct(t, { stock: 10 })
    const responses = await Promise.all(Array.from({ length: 5 }, () => order(buyer.token, line(product.id, 1))))
    // A connection outside the app's pool sees only committed rows.
    const reader = new SQL(t.ctx.config.DATABASE_URL!, { max: 1 })
    try {
      for (const response of responses) {
        const { id } = await json(response)
        expect((await reader`SELECT count(*)::int AS n FROM orders WHERE id = ${id}`)[0].n).toBe(1)
      }
      expect((await reader`SELECT stock FROM products WHERE id = ${product.id}`)[0].stock).toBe(5)
    } finally {
      await reader.close()
    }
  })
})

describe('concurrent orders on the same products', () => {
  test('of more orders than stock, exactly stock-many succeed; the rest are 409 with nothing taken', async () => {
    const buyers = await Promise.all(Array.from({ length: 4 }, () => createUser(t)))
    const product = await addProduct(t, { stock: 25 })
    const ordersBefore = await count(t, 'orders')
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => order(buyers[i % 4]!.token, line(product.id, 1))))
    expect(responses.filter((r) => r.status === 201)).toHaveLength(25)
    const lost = responses.filter((r) => r.status !== 201)
    expect(lost.map((r) => r.status)).toEqual(Array(15).fill(409))
    for (const response of lost) {
      expect(((await json(response)) as { errors: unknown[] }).errors).toEqual([
        expect.objectContaining({ path: '/items/0/quantity', product_id: product.id, requested: 1, available: 0 }),
      ])
    }
    expect(await stockOf(t, product.id)).toBe(0)
    expect(await count(t, 'orders')).toBe(ordersBefore + 25)
    // The low-stock threshold (5) was crossed once, by one of the orders: one event, not one per racer.
    const lowStock = await t.sql(sql`SELECT payload FROM outbox WHERE type = 'product.low_stock' AND payload LIKE ${`%"product_id":"${product.id}"%`}`)
    expect(lowStock).toHaveLength(1)
  })

  test('one Idempotency-Key sent concurrently for the last of the stock: one order, every other request replays it (never 409)', async () => {
    const buyer = await createUser(t)
    const product = await addProduct(t, { stock: 2 })
    const ordersBefore = await count(t, 'orders')
    const responses = await Promise.all(Array.from({ length: 6 }, () => order(buyer.token, line(product.id, 2), { 'idempotency-key': 'last-two' })))
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(201))
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(5)
    const ids = await Promise.all(responses.map(async (r) => (await json(r)).id as string))
    expect(new Set(ids).size).toBe(1)
    expect(await count(t, 'orders')).toBe(ordersBefore + 1)
    expect(await stockOf(t, product.id)).toBe(0)
  })

  test('orders listing the same products in opposite orders, and cancellations, all go through (no deadlock)', async () => {
    const buyer = await createUser(t)
    const [a, b] = [await addProduct(t, { stock: 1000 }), await addProduct(t, { stock: 1000 })]
    const both = (first: string, second: string) => ({ items: [{ product_id: first, quantity: 1 }, { product_id: second, quantity: 2 }] })
    const placed = await Promise.all(Array.from({ length: 10 }, () => order(buyer.token, both(a.id, b.id))))
    const ids = await Promise.all(placed.map(async (r) => (await json(r)).id as string))
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => order(buyer.token, i % 2 ? both(a.id, b.id) : both(b.id, a.id))),
      ...ids.map((id) => t.request(`/orders/${id}/cancel`, { method: 'POST', token: buyer.token })),
    ])
    expect(responses.map((r) => r.status)).toEqual([...Array(20).fill(201), ...Array(10).fill(200)])
    // 20 orders stand: 10 took a×1 + b×2, 10 took b×1 + a×2; the cancelled ones gave theirs back.
    expect([await stockOf(t, a.id), await stockOf(t, b.id)]).toEqual([1000 - 30, 1000 - 30])
  })
})
