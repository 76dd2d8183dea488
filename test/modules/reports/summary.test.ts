import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { OrderStatus } from '../../../src/db/schema.ts'
import { sql } from 'drizzle-orm'
import { createTestApp, createUser, expectProblem, json, type TestApp } from '../../helpers.ts'
import { insertOrder, insertProduct, type OrderFixture, type ProductFixture } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const NOW = '2026-03-15T12:00:00.000Z'
const REVENUE: OrderStatus[] = ['paid', 'shipped', 'delivered']

/** The summary figures computed here, from the fixture rows, without SQL. */
function expectedFigures(orders: OrderFixture[], productsById: Map<string, ProductFixture>, start: string, end: string) {
  const inRange = orders.filter((order) => order.createdAt >= start && order.createdAt < end)
  const by_status: Record<string, number> = { pending: 0, paid: 0, shipped: 0, delivered: 0, cancelled: 0 }
  for (const order of inRange) by_status[order.status]!++
  const sales = inRange.filter((order) => REVENUE.includes(order.status))
  const revenue = sales.reduce((sum, order) => sum + order.totalCents, 0)
  const perProduct = new Map<string, { product_id: string; name: string; quantity: number; revenue_cents: number }>()
  for (const order of sales) {
    for (const line of order.lines) {
      const entry = perProduct.get(line.productId) ?? {
        product_id: line.productId,
        name: productsById.get(line.productId)!.name,
        quantity: 0,
        revenue_cents: 0,
      }
      entry.quantity += line.quantity
      entry.revenue_cents += line.lineTotalCents
      perProduct.set(line.productId, entry)
    }
  }
  const top = [...perProduct.values()]
    .sort((a, b) => b.revenue_cents - a.revenue_cents || b.quantity - a.quantity || (a.product_id < b.product_id ? -1 : 1))
    .slice(0, 10)
  const days = new Map<string, { date: string; orders: number; revenue_cents: number }>()
  for (let day = Date.parse(start.slice(0, 10)); day < Date.parse(end); day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10)
    days.set(date, { date, orders: 0, revenue_cents: 0 })
  }
  for (const order of inRange) {
    const day = days.get(order.createdAt.slice(0, 10))!
    day.orders++
    if (REVENUE.includes(order.status)) day.revenue_cents += order.totalCents
  }
  return {
    orders: { count: inRange.length, by_status },
    revenue_cents: revenue,
    average_order_cents: sales.length ? Math.round(revenue / sales.length) : 0,
    top_products: top,
    sales_by_day: [...days.values()],
  }
}

/** A store with customers, products and orders in every status spread over six weeks. */
async function seededStore(env: Record<string, string> = {}) {
  const t = await createTestApp(env)
  t.clock.set('2026-01-10T08:00:00.000Z')
  const early = await createUser(t)
  t.clock.set('2026-03-02T09:30:00.000Z')
  const march = await createUser(t)
  t.clock.set('2026-03-14T23:00:00.000Z')
  const late = await createUser(t)
  t.clock.set(NOW)
  // An admin is not a customer (and its token is signed at NOW, so it is valid at NOW).
  const admin = await createUser(t, { role: 'admin' })

  const catalog = [
    await insertProduct(t, { name: 'Espresso beans', priceCents: 1299, stock: 40 }),
    await insertProduct(t, { name: 'Grinder', priceCents: 8999, stock: 3 }),
    await insertProduct(t, { name: 'Filter papers', priceCents: 350, stock: 5 }),
    await insertProduct(t, { name: 'Kettle', priceCents: 4999, stock: 0 }),
    await insertProduct(t, { name: 'Retired mug', priceCents: 800, stock: 1, active: false }),
    await insertProduct(t, { name: 'Scale', priceCents: 2501, stock: 6 }),
  ]
  const [beans, grinder, papers, kettle, mug, scale] = catalog as [ProductFixture, ProductFixture, ProductFixture, ProductFixture, ProductFixture, ProductFixture]
  const customers = [early, march, late]
  const statuses: OrderStatus[] = ['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'paid', 'delivered']
  const orders: OrderFixture[] = []
  // 42 days of orders, one to three a day, across day boundaries and every status.
  for (let day = 0; day < 42; day++) {
    const date = new Date(Date.UTC(2026, 1, 1) + day * 86_400_000)
    for (let n = 0; n < 1 + (day % 3); n++) {
      const at = new Date(date.getTime() + [0, 13 * 3_600_000 + 17_000, 86_400_000 - 1][n]!)
      const pick = (i: number) => catalog[(day + n + i) % catalog.length]!
      orders.push(
        await insertOrder(t, {
          userId: customers[(day + n) % customers.length]!.id,
          status: statuses[(day * 3 + n) % statuses.length]!,
          createdAt: at.toISOString(),
          lines: [
            { product: pick(0), quantity: 1 + (day % 4) },
            ...(n % 2 === 0 ? [{ product: pick(2), quantity: 2 }] : []),
          ],
        }),
      )
    }
  }
  return { t, admin, customers, catalog, orders, beans, grinder, papers, kettle, mug, scale }
}

const store = await seededStore()
const { t, admin } = store
afterAll(() => t.close())
const productsById = new Map(store.catalog.map((product) => [product.id, product]))

const summary = (query = '', token = admin.token, app: TestApp = t) => app.request(`/admin/reports/summary${query}`, { token })

describe('GET /admin/reports/summary', () => {
  test('matches the figures computed from the rows for a range of plain dates', async () => {
    const response = await summary('?from=2026-02-10&to=2026-03-05')
    expect(response.status).toBe(200)
    const body = await json(response)
    const expected = expectedFigures(store.orders, productsById, '2026-02-10T00:00:00.000Z', '2026-03-06T00:00:00.000Z')
    expect(body).toMatchObject(expected)
    expect(body.from).toBe('2026-02-10T00:00:00.000Z')
    expect(body.to).toBe('2026-03-05T23:59:59.999Z')
    expect(body.sales_by_day).toHaveLength(24)
    expect(body.orders.count).toBeGreaterThan(30)
    expect(Object.values(body.orders.by_status).every((count) => (count as number) > 0)).toBe(true)
  })

  test('matches for other ranges too, including ones with no orders', async () => {
    for (const [from, to, start, end] of [
      ['2026-02-01', '2026-02-01', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z'],
      ['2026-01-01', '2026-12-31', '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
      ['2025-06-01', '2025-06-30', '2025-06-01T00:00:00.000Z', '2025-07-01T00:00:00.000Z'],
    ] as const) {
      const body = await json(await summary(`?from=${from}&to=${to}`))
      expect(body).toMatchObject(expectedFigures(store.orders, productsById, start, end))
    }
  })

  test('counts revenue only from paid, shipped and delivered orders', async () => {
    const body = await json(await summary('?from=2026-02-01&to=2026-03-14'))
    const pendingOrCancelled = store.orders.filter((order) => order.status === 'pending' || order.status === 'cancelled')
    expect(pendingOrCancelled.length).toBeGreaterThan(0)
    const all = store.orders.reduce((sum, order) => sum + order.totalCents, 0)
    const counted = store.orders.filter((order) => REVENUE.includes(order.status)).reduce((sum, order) => sum + order.totalCents, 0)
    expect(body.revenue_cents).toBe(counted)
    expect(body.revenue_cents).toBeLessThan(all)
  })

  test('includes the instants at both ends of a date-time range and nothing outside', async () => {
    const at = store.orders[10]!.createdAt
    const exact = await json(await summary(`?from=${at}&to=${at}`))
    const sameInstant = store.orders.filter((order) => order.createdAt === at).length
    expect(exact.orders.count).toBe(sameInstant)
    const after = new Date(Date.parse(at) + 1).toISOString()
    const none = await json(await summary(`?from=${after}&to=${new Date(Date.parse(at) + 2).toISOString()}`))
    expect(none.orders.count).toBe(store.orders.filter((o) => o.createdAt > at && o.createdAt <= new Date(Date.parse(at) + 2).toISOString()).length)
  })

  test('a plain `to` date includes its last millisecond and not the next day', async () => {
    const fresh = await createTestApp()
    try {
      fresh.clock.set(NOW)
      const owner = await createUser(fresh, { role: 'admin' })
      const buyer = await createUser(fresh)
      const product = await insertProduct(fresh, { priceCents: 100 })
      for (const createdAt of ['2026-03-01T00:00:00.000Z', '2026-03-03T23:59:59.999Z', '2026-03-04T00:00:00.000Z', '2026-02-28T23:59:59.999Z']) {
        await insertOrder(fresh, { userId: buyer.id, status: 'paid', createdAt, lines: [{ product, quantity: 1 }] })
      }
      const body = await json(await summary('?from=2026-03-01&to=2026-03-03', owner.token, fresh))
      expect(body.orders.count).toBe(2)
      expect(body.revenue_cents).toBe(200)
      expect(body.sales_by_day.map((day: { orders: number }) => day.orders)).toEqual([1, 0, 1])
    } finally {
      fresh.close()
    }
  })

  test('accepts date-times with an offset', async () => {
    const body = await json(await summary(`?from=${encodeURIComponent('2026-02-10T02:00:00+02:00')}&to=2026-02-12T00:00:00Z`))
    expect(body.from).toBe('2026-02-10T00:00:00.000Z')
    expect(body.to).toBe('2026-02-12T00:00:00.000Z')
    expect(body).toMatchObject(
      expectedFigures(store.orders, productsById, '2026-02-10T00:00:00.000Z', '2026-02-12T00:00:00.001Z'),
    )
  })

  test('defaults to today (UTC) and the 29 days before it', async () => {
    const response = await summary()
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.from).toBe('2026-02-14T00:00:00.000Z')
    expect(body.to).toBe('2026-03-15T23:59:59.999Z')
    expect(body.sales_by_day).toHaveLength(30)
    expect(body.sales_by_day[0].date).toBe('2026-02-14')
    expect(body.sales_by_day[29].date).toBe('2026-03-15')
    expect(body).toMatchObject(expectedFigures(store.orders, productsById, '2026-02-14T00:00:00.000Z', '2026-03-16T00:00:00.000Z'))
  })

  test('with only `from`, covers 30 days from it; with only `to`, the 30 days up to it', async () => {
    const fromOnly = await json(await summary('?from=2026-02-01'))
    expect([fromOnly.from, fromOnly.to]).toEqual(['2026-02-01T00:00:00.000Z', '2026-03-02T23:59:59.999Z'])
    const toOnly = await json(await summary('?to=2026-02-28'))
    expect([toOnly.from, toOnly.to]).toEqual(['2026-01-30T00:00:00.000Z', '2026-02-28T23:59:59.999Z'])
  })

  test('average_order_cents is revenue over revenue-counting orders, rounded half up', async () => {
    const fresh = await createTestApp()
    try {
      fresh.clock.set(NOW)
      const owner = await createUser(fresh, { role: 'admin' })
      const buyer = await createUser(fresh)
      const product = await insertProduct(fresh, { priceCents: 1000 })
      const dearer = await insertProduct(fresh, { priceCents: 1001 })
      await insertOrder(fresh, { userId: buyer.id, status: 'paid', createdAt: NOW, lines: [{ product, quantity: 1 }] })
      await insertOrder(fresh, { userId: buyer.id, status: 'delivered', createdAt: NOW, lines: [{ product: dearer, quantity: 1 }] })
      await insertOrder(fresh, { userId: buyer.id, status: 'pending', createdAt: NOW, lines: [{ product, quantity: 9 }] })
      const body = await json(await summary('', owner.token, fresh))
      expect(body.revenue_cents).toBe(2001)
      expect(body.average_order_cents).toBe(1001)
      expect(body.orders.count).toBe(3)
    } finally {
      fresh.close()
    }
  })

  test('has zero figures, not nulls, when there are no orders', async () => {
    const fresh = await createTestApp()
    try {
      const owner = await createUser(fresh, { role: 'admin' })
      const body = await json(await summary('', owner.token, fresh))
      expect(body.orders).toEqual({ count: 0, by_status: { pending: 0, paid: 0, shipped: 0, delivered: 0, cancelled: 0 } })
      expect([body.revenue_cents, body.average_order_cents]).toEqual([0, 0])
      expect(body.top_products).toEqual([])
      expect(body.sales_by_day.every((day: { orders: number; revenue_cents: number }) => day.orders === 0 && day.revenue_cents === 0)).toBe(true)
      expect(body.customers).toEqual({ total: 0, new: 0 })
    } finally {
      fresh.close()
    }
  })

  test('top_products: at most 10, by revenue then quantity, with the current product name', async () => {
    const fresh = await createTestApp()
    try {
      fresh.clock.set(NOW)
      const owner = await createUser(fresh, { role: 'admin' })
      const buyer = await createUser(fresh)
      const many = await Promise.all(Array.from({ length: 12 }, (_, i) => insertProduct(fresh, { priceCents: 100 * (i + 1) })))
      for (const product of many) await insertOrder(fresh, { userId: buyer.id, status: 'shipped', createdAt: NOW, lines: [{ product, quantity: 1 }] })
      // Same revenue as the dearest (1200), more units: ranks first on the quantity tie-break.
      const cheapMany = await insertProduct(fresh, { priceCents: 300 })
      await insertOrder(fresh, { userId: buyer.id, status: 'paid', createdAt: NOW, lines: [{ product: cheapMany, quantity: 4 }] })
      // A big pending order does not count.
      await insertOrder(fresh, { userId: buyer.id, status: 'pending', createdAt: NOW, lines: [{ product: many[0]!, quantity: 1000 }] })
      await fresh.sql(sql`UPDATE products SET name = ${'Renamed later'} WHERE id = ${many[11]!.id}`)

      const body = await json(await summary('', owner.token, fresh))
      expect(body.top_products).toHaveLength(10)
      expect(body.top_products[0]).toEqual({ product_id: cheapMany.id, name: cheapMany.name, quantity: 4, revenue_cents: 1200 })
      expect(body.top_products[1]).toEqual({ product_id: many[11]!.id, name: 'Renamed later', quantity: 1, revenue_cents: 1200 })
      expect(body.top_products.map((p: { revenue_cents: number }) => p.revenue_cents)).toEqual([1200, 1200, 1100, 1000, 900, 800, 700, 600, 500, 400])
    } finally {
      fresh.close()
    }
  })

  test('low_stock lists active products at or under LOW_STOCK_THRESHOLD, lowest first', async () => {
    const body = await json(await summary())
    expect(body.low_stock).toEqual(
      [store.kettle, store.grinder, store.papers].map((p) => ({ product_id: p.id, sku: p.sku, name: p.name, stock: p.stock })),
    )
    const strict = await seededStore({ LOW_STOCK_THRESHOLD: '3' })
    try {
      const names = (await json(await summary('', strict.admin.token, strict.t))).low_stock.map((p: { name: string }) => p.name)
      expect(names).toEqual(['Kettle', 'Grinder'])
    } finally {
      strict.t.close()
    }
  })

  test('customers: accounts with role user registered by the end of the range, and those new in it', async () => {
    expect((await json(await summary('?from=2026-03-01&to=2026-03-15'))).customers).toEqual({ total: 3, new: 2 })
    expect((await json(await summary('?from=2026-03-01&to=2026-03-10'))).customers).toEqual({ total: 2, new: 1 })
    expect((await json(await summary('?from=2025-01-01&to=2025-12-31'))).customers).toEqual({ total: 0, new: 0 })
  })

  test('names each part in Server-Timing', async () => {
    const response = await summary('?from=2026-02-03&to=2026-02-04')
    const timing = response.headers.get('server-timing')!
    for (const part of ['orders', 'top_products', 'sales_by_day', 'low_stock', 'customers', 'total']) {
      expect(timing).toMatch(new RegExp(`(^|, )${part};dur=\\d+\\.\\d+`))
    }
  })

  test('serves a computed summary from the cache for 30 seconds', async () => {
    const fresh = await createTestApp()
    try {
      fresh.clock.set(NOW)
      const owner = await createUser(fresh, { role: 'admin' })
      const buyer = await createUser(fresh)
      const product = await insertProduct(fresh, { priceCents: 500 })
      await insertOrder(fresh, { userId: buyer.id, status: 'paid', createdAt: NOW, lines: [{ product, quantity: 1 }] })
      expect((await json(await summary('', owner.token, fresh))).revenue_cents).toBe(500)

      await insertOrder(fresh, { userId: buyer.id, status: 'paid', createdAt: NOW, lines: [{ product, quantity: 1 }] })
      fresh.clock.advance(29_000)
      const cached = await summary('', owner.token, fresh)
      expect((await json(cached)).revenue_cents).toBe(500)
      expect(cached.headers.get('server-timing')).not.toContain('top_products')

      fresh.clock.advance(1_001)
      expect((await json(await summary('', owner.token, fresh))).revenue_cents).toBe(1000)
    } finally {
      fresh.close()
    }
  })

  test('concurrent requests for one range share one computation', async () => {
    const responses = await Promise.all([1, 2, 3].map(() => summary('?from=2026-02-20&to=2026-02-21')))
    const timed = responses.filter((response) => response.headers.get('server-timing')!.includes('top_products'))
    expect(timed).toHaveLength(1)
    const bodies = await Promise.all(responses.map((response) => json(response)))
    expect(bodies[1]).toEqual(bodies[0])
    expect(bodies[2]).toEqual(bodies[0])
  })

  describe('bad ranges are 422 problems naming the parameter', () => {
    const cases: [string, string][] = [
      ['?from=yesterday', '/from'],
      ['?from=2026-02-30', '/from'],
      ['?from=2026-13-01', '/from'],
      ['?to=2026-3-1', '/to'],
      ['?to=2026-03-01T25:00:00Z', '/to'],
      ['?to=2026-03-01T10:00:00', '/to'],
      ['?from=2026-03-01T10:00:00%2B24:00', '/from'],
      ['?from=1969-12-31', '/from'],
      ['?to=9999-12-31', '/to'],
      ['?from=', '/from'],
      ['?from=2026-03-02&to=2026-03-01', '/from'],
      ['?from=2026-03-01T10:00:00.001Z&to=2026-03-01T10:00:00Z', '/from'],
      ['?from=2025-01-01&to=2026-01-02', '/to'],
      ['?from=2026-01-01T00:00:00Z&to=2027-01-02T00:00:00Z', '/to'],
    ]
    for (const [query, path] of cases) {
      test(query, async () => {
        const problem = await expectProblem(await summary(query), 422)
        expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path)
      })
    }

    test('a range of exactly 366 days is fine, one of 367 is not', async () => {
      expect((await summary('?from=2024-01-01&to=2024-12-31')).status).toBe(200) // leap year: 366 days
      expect((await summary('?from=2025-01-01&to=2026-01-01')).status).toBe(200)
      await expectProblem(await summary('?from=2025-01-01&to=2026-01-02'), 422)
    })
  })
})
