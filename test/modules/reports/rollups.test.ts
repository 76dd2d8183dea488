import { SQL } from 'bun'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { seedDemo } from '../../../src/cli/demo-data.ts'
import { silentProgress } from '../../../src/cli/progress.ts'
import { openDatabase } from '../../../src/db/client.ts'
import { createDemoStoreFor } from '../../../src/db/demo-store.ts'
import { migrate } from '../../../src/db/migrate.ts'
import { migrations as embedded } from '../../../src/db/migrations.gen.ts'
import { migratePostgres } from '../../../src/db/pg/migrate.ts'
import { migrations as embeddedPg } from '../../../src/db/pg/migrations.gen.ts'
import type { OrderStatus } from '../../../src/db/schema.ts'
import { datesOf, parseRange, type ReportRange } from '../../../src/modules/reports/range.ts'
import { computeSummary } from '../../../src/modules/reports/summary.ts'
import { createTestApp, createUser, json, onPostgres, type TestApp } from '../../helpers.ts'
import { createTestDatabase } from '../../postgres.ts'
import { insertOrders, insertProduct, placeOrder, type ProductFixture } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(60_000)

/*
 * The summary reads daily rollups kept by triggers (migrations/*\/..._order_rollups.sql) for the
 * whole days of its range and the orders for the partial days at the edges. These tests prove it
 * exact: after random orders and status changes (through the store, and as plain SQL), the summary
 * for many ranges equals the figures computed here from the raw rows, byte for byte; and a database
 * with orders from before the migration gets rollups that equal them too.
 */

const REVENUE: OrderStatus[] = ['paid', 'shipped', 'delivered']
const NEXT: Record<OrderStatus, OrderStatus[]> = { pending: ['paid', 'cancelled'], paid: ['shipped', 'cancelled'], shipped: ['delivered'], delivered: [], cancelled: [] }
const DAY = 86_400_000

/** A seeded generator, so a failure replays. */
function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648)
}

interface RawOrder { id: string; status: OrderStatus; total_cents: number; created_at: string }
interface RawLine { order_id: string; product_id: string; quantity: number; line_total_cents: number }
interface Raw { orders: RawOrder[]; lines: RawLine[]; names: Map<string, string> }

async function readRaw(t: TestApp): Promise<Raw> {
  const orders = await t.sql<RawOrder>(sql`SELECT id, status, total_cents, created_at FROM orders`)
  const lines = await t.sql<RawLine>(sql`SELECT order_id, product_id, quantity, line_total_cents FROM order_items`)
  const products = await t.sql<{ id: string; name: string }>(sql`SELECT id, name FROM products`)
  return { orders, lines, names: new Map(products.map((p) => [p.id, p.name])) }
}

/** The summary's order parts computed from the raw rows, in the response's key order. */
function expectedParts(raw: Raw, range: ReportRange) {
  const inRange = raw.orders.filter((o) => o.created_at >= range.start && o.created_at < range.end)
  const by_status: Record<string, number> = { pending: 0, paid: 0, shipped: 0, delivered: 0, cancelled: 0 }
  for (const order of inRange) by_status[order.status]!++
  const sales = inRange.filter((o) => REVENUE.includes(o.status))
  const revenue = sales.reduce((sum, o) => sum + o.total_cents, 0)
  const counted = new Set(sales.map((o) => o.id))
  const perProduct = new Map<string, { product_id: string; name: string; quantity: number; revenue_cents: number }>()
  for (const line of raw.lines) {
    if (!counted.has(line.order_id)) continue
    const entry = perProduct.get(line.product_id) ?? { product_id: line.product_id, name: raw.names.get(line.product_id)!, quantity: 0, revenue_cents: 0 }
    entry.quantity += line.quantity
    entry.revenue_cents += line.line_total_cents
    perProduct.set(line.product_id, entry)
  }
  const top_products = [...perProduct.values()]
    .sort((a, b) => b.revenue_cents - a.revenue_cents || b.quantity - a.quantity || (a.product_id < b.product_id ? -1 : 1))
    .slice(0, 10)
  const days = new Map(datesOf(range).map((date) => [date, { date, orders: 0, revenue_cents: 0 }]))
  for (const order of inRange) {
    const day = days.get(order.created_at.slice(0, 10))!
    day.orders++
    if (REVENUE.includes(order.status)) day.revenue_cents += order.total_cents
  }
  return {
    orders: { count: inRange.length, by_status },
    revenue_cents: revenue,
    average_order_cents: sales.length ? Math.round(revenue / sales.length) : 0,
    top_products,
    sales_by_day: [...days.values()],
  }
}

const partsOf = ({ orders, revenue_cents, average_order_cents, top_products, sales_by_day }: Record<string, unknown>) =>
  ({ orders, revenue_cents, average_order_cents, top_products, sales_by_day })

/** Every rollup row equals the same sums over the raw tables (rows left at zero aside). */
async function expectRollupsMatchOrders(t: TestApp) {
  const totals = await t.sql(sql`
    SELECT day, status, CAST(SUM(orders) AS INTEGER) AS orders, CAST(SUM(total_cents) AS INTEGER) AS total
    FROM order_day_totals GROUP BY day, status HAVING SUM(orders) <> 0 OR SUM(total_cents) <> 0 ORDER BY day, status`)
  const rawTotals = await t.sql(sql`
    SELECT substr(created_at, 1, 10) AS day, status, CAST(COUNT(*) AS INTEGER) AS orders, CAST(SUM(total_cents) AS INTEGER) AS total
    FROM orders GROUP BY 1, 2 ORDER BY 1, 2`)
  expect(totals).toEqual(rawTotals)
  for (const [table, period, length] of [['product_day_sales', 'day', 10], ['product_month_sales', 'month', 7]] as const) {
    const rollup = await t.sql(sql`
      SELECT ${sql.raw(period)} AS period, product_id, CAST(quantity AS INTEGER) AS quantity, CAST(revenue_cents AS INTEGER) AS revenue
      FROM ${sql.raw(table)} WHERE quantity <> 0 OR revenue_cents <> 0 ORDER BY 1, 2`)
    const fromOrders = await t.sql(sql`
      SELECT substr(o.created_at, 1, ${length}) AS period, i.product_id, CAST(SUM(i.quantity) AS INTEGER) AS quantity,
             CAST(SUM(i.line_total_cents) AS INTEGER) AS revenue
      FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.status IN ('paid', 'shipped', 'delivered')
      GROUP BY 1, 2 ORDER BY 1, 2`)
    expect(rollup).toEqual(fromOrders)
  }
}

/** Ranges with whole-day, whole-month and partial edges, and some with no whole day at all. */
function rangesOver(first: string, last: string, next: () => number, count: number): ReportRange[] {
  const now = new Date(`${last}T12:00:00.000Z`)
  const fixed: { from: string; to: string }[] = [
    { from: first, to: last },
    { from: '2026-02-01', to: '2026-02-28' },
    { from: '2026-01-31', to: '2026-03-01' },
    { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
    { from: '2026-02-10', to: '2026-02-10' },
    { from: '2026-02-10T00:00:00.000Z', to: '2026-02-10T23:59:59.999Z' },
    { from: '2026-02-10T06:00:00.000Z', to: '2026-02-10T18:00:00.000Z' },
    { from: '2026-02-10T18:00:00.000Z', to: '2026-02-11T06:00:00.000Z' },
    { from: '2026-02-10T18:00:00.000Z', to: '2026-02-12T06:00:00.000Z' },
    { from: '2026-01-28T23:59:59.999Z', to: '2026-03-02T00:00:00.000Z' },
    { from: '2026-01-28T00:00:00.001Z', to: '2026-03-01T23:59:59.998Z' },
    { from: '2026-02-14T12:00:00+05:30', to: '2026-02-27T01:00:00-08:00' },
    // Months read as the month less its days outside the range: one side, both, within one month.
    { from: '2026-01-04T10:00:00.000Z', to: '2026-02-25T10:00:00.000Z' },
    { from: '2026-01-03', to: '2026-03-01' },
    { from: '2026-02-03', to: '2026-02-25' },
    { from: '2026-02-02T00:00:00.000Z', to: '2026-02-28T00:00:00.000Z' },
  ]
  const startMs = Date.parse(first)
  const span = Date.parse(last) + DAY - startMs
  for (let i = 0; i < count; i++) {
    const a = startMs - DAY + Math.floor(next() * (span + 2 * DAY))
    const b = startMs - DAY + Math.floor(next() * (span + 2 * DAY))
    // Some bounds on the millisecond of midnight, some a millisecond either side, most anywhere.
    const snap = (ms: number) => {
      const roll = next()
      const midnight = Math.floor(ms / DAY) * DAY
      return roll < 0.25 ? midnight : roll < 0.35 ? midnight - 1 : roll < 0.45 ? midnight + 1 : ms
    }
    const lo = snap(Math.min(a, b))
    const hi = Math.max(lo, snap(Math.max(a, b)))
    const asDate = next() < 0.2
    fixed.push(
      asDate
        ? { from: new Date(lo).toISOString().slice(0, 10), to: new Date(hi).toISOString().slice(0, 10) }
        : { from: new Date(lo).toISOString(), to: new Date(hi).toISOString() },
    )
  }
  return fixed.map((query) => parseRange(query, now))
}

async function expectSummariesExact(t: TestApp, ranges: ReportRange[]) {
  const raw = await readRaw(t)
  for (const range of ranges) {
    const summary = await t.services.stores.reports.readSummary((queries) => computeSummary(queries, range, 5))
    // Byte for byte: the same JSON, keys in the same order.
    expect({ range: range.from + '..' + range.to, parts: JSON.stringify(partsOf(summary)) }).toEqual({
      range: range.from + '..' + range.to,
      parts: JSON.stringify(expectedParts(raw, range)),
    })
  }
}

describe('summary rollups', () => {
  const apps: TestApp[] = []
  afterAll(async () => {
    for (const app of apps) await app.close()
  })

  test('random orders over six weeks with status changes: every range’s summary equals the raw rows’ figures', async () => {
    const t = await createTestApp()
    apps.push(t)
    const next = random(19)
    const admin = await createUser(t, { role: 'admin' })
    const buyer = await createUser(t)
    // Few prices, so products tie on revenue and quantity (the product id breaks the tie).
    const products: ProductFixture[] = []
    for (let i = 0; i < 14; i++) products.push(await insertProduct(t, { priceCents: [500, 500, 1000, 1250, 999][i % 5]!, stock: 1_000_000 }))
    const pick = (n: number) => [...products].sort(() => next() - 0.5).slice(0, n)
    const first = Date.parse('2026-01-27T00:00:00.000Z')
    const instant = () => {
      const roll = next()
      const day = first + Math.floor(next() * 37) * DAY
      // Midnight and the last millisecond of a day are edges too.
      return new Date(roll < 0.1 ? day : roll < 0.2 ? day + DAY - 1 : day + Math.floor(next() * DAY)).toISOString()
    }
    const statusOf = (): OrderStatus => (['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const)[Math.floor(next() * 5)]!

    // Through the orders service (the store's placeOrder and transitions)...
    const placed = []
    for (let i = 0; i < 90; i++) {
      const lines = pick(1 + Math.floor(next() * 3)).map((product) => ({ product, quantity: 1 + Math.floor(next() * 3) }))
      placed.push(await placeOrder(t, { buyer, admin, status: statusOf(), createdAt: instant(), lines }))
    }
    // ...and as plain SQL, orders written in any status at once.
    const inserted = await insertOrders(
      t,
      Array.from({ length: 60 }, () => ({
        userId: buyer.id,
        status: statusOf(),
        createdAt: instant(),
        lines: pick(1 + Math.floor(next() * 3)).map((product) => ({ product, quantity: 1 + Math.floor(next() * 4) })),
      })),
    )
    await expectRollupsMatchOrders(t)

    // Later status changes, through the service and as SQL, and a deleted order and line.
    const all = [...placed, ...inserted]
    const current = new Map(all.map((order) => [order.id, order.status]))
    for (let i = 0; i < 80; i++) {
      const order = all[Math.floor(next() * all.length)]!
      const options = NEXT[current.get(order.id)!]
      if (!options.length) continue
      const to = options[Math.floor(next() * options.length)]!
      if (next() < 0.7) await t.services.orders.setStatus({ id: admin.id, role: 'admin' }, order.id, to)
      else await t.sql(sql`UPDATE orders SET status = ${to} WHERE id = ${order.id}`)
      current.set(order.id, to)
    }
    const paidOrder = all.find((order) => REVENUE.includes(current.get(order.id)!) && order.lines.length > 1)!
    await t.sql(sql`DELETE FROM order_items WHERE order_id = ${paidOrder.id} AND position = 0`)
    const gone = all.find((order) => order !== paidOrder && REVENUE.includes(current.get(order.id)!))!
    await t.sql(sql`DELETE FROM orders WHERE id = ${gone.id}`)
    await expectRollupsMatchOrders(t)

    await expectSummariesExact(t, rangesOver('2026-01-27', '2026-03-04', next, 60))

    // And through HTTP, as the report serves it.
    const range = parseRange({ from: '2026-01-29T13:14:15.000Z', to: '2026-03-02T01:02:03.004Z' }, new Date('2026-03-04T00:00:00.000Z'))
    const served = await json(await t.request(`/admin/reports/summary?from=${range.from}&to=${range.to}`, { token: admin.token }))
    expect(JSON.stringify(partsOf(served))).toBe(JSON.stringify(expectedParts(await readRaw(t), range)))
  })

  test('concurrent placements and status changes on shared products and days all land (no deadlock, nothing lost)', async () => {
    const t = await createTestApp()
    apps.push(t)
    const admin = { id: (await createUser(t, { role: 'admin' })).id, role: 'admin' as const }
    const buyer = { id: (await createUser(t)).id, role: 'user' as const }
    const products = [await insertProduct(t, { stock: 100_000 }), await insertProduct(t, { stock: 100_000 }), await insertProduct(t, { stock: 100_000 })]
    const items = (k: number) => products.slice(k % 2).map((product, j) => ({ product_id: product.id, quantity: 1 + ((k + j) % 3) }))
    const first = await Promise.all(Array.from({ length: 40 }, (_, k) => t.services.orders.create(buyer, { items: items(k) })))
    // Every order changes (to paid, or cancelled: restocking), while new orders take the same products on the same day.
    await Promise.all([
      ...first.map(({ order }, k) => t.services.orders.setStatus(admin, order.id, k % 3 ? 'paid' : 'cancelled')),
      ...Array.from({ length: 40 }, (_, k) => t.services.orders.create(buyer, { items: items(k + 1) })),
    ])
    await Promise.all(first.filter((_, k) => k % 3).map(({ order }, k) => t.services.orders.setStatus(admin, order.id, k % 2 ? 'shipped' : 'cancelled')))
    await expectRollupsMatchOrders(t)
    const today = t.clock.now().toISOString().slice(0, 10)
    await expectSummariesExact(t, [parseRange({ from: today, to: today }, t.clock.now()), parseRange({ from: `${today}T00:00:00.001Z`, to: today }, t.clock.now())])
  })

  test('the demo seeder’s orders (bulk inserts in every status) are in the rollups', async () => {
    const t = await createTestApp()
    apps.push(t)
    t.clock.set('2026-03-04T12:00:00.000Z')
    const options = { products: 30, users: 20, orders: 2500, months: 3, password: 'demo password', currency: 'USD', seed: 5, skuTag: 'R' }
    const result = await seedDemo(createDemoStoreFor(t.ctx.database), t.clock, options, silentProgress)
    expect(result.orders).toBeGreaterThan(1000)
    await expectRollupsMatchOrders(t)
    await expectSummariesExact(t, rangesOver('2025-12-04', '2026-03-04', random(3), 20))
  })

  test('the migration fills the rollups from orders written before it', async () => {
    const next = random(7)
    // The migrations before the first of the rollups' (the migrator applies only migrations newer than the last applied).
    const before = <M extends { tag: string }>(all: M[]) => all.slice(0, all.findIndex((m) => m.tag.includes('order_rollup')))
    const created = '2026-01-01T00:00:00.000Z'
    const userId = Bun.randomUUIDv7()
    const products = Array.from({ length: 8 }, (_, i) => ({ id: Bun.randomUUIDv7(), sku: `PRE-${i}`, name: `Before ${i}`, price: [300, 300, 700, 1100][i % 4]! }))
    // Rows as an older version wrote them: `?` placeholders, TRUE for booleans (both dialects read it).
    const rows: [string, unknown[]][] = [
      [
        "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'pre@example.com', 'Pre', 'x', 'user', TRUE, 0, ?, ?)",
        [userId, created, created],
      ],
      ...products.map((p): [string, unknown[]] => [
        "INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at) VALUES (?, ?, ?, '', ?, 1000, TRUE, ?, ?)",
        [p.id, p.sku, p.name, p.price, created, created],
      ]),
    ]
    for (let i = 0; i < 120; i++) {
      const id = Bun.randomUUIDv7()
      const at = new Date(Date.parse('2026-01-20T00:00:00.000Z') + Math.floor(next() * 45 * DAY)).toISOString()
      const status = (['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const)[Math.floor(next() * 5)]!
      const lines = [...products].sort(() => next() - 0.5).slice(0, 1 + Math.floor(next() * 3))
      const quantities = lines.map(() => 1 + Math.floor(next() * 3))
      const total = lines.reduce((sum, p, k) => sum + p.price * quantities[k]!, 0)
      rows.push([
        "INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at) VALUES (?, ?, ?, ?, 'USD', NULL, ?, ?)",
        [id, userId, status, total, at, at],
      ])
      lines.forEach((p, k) =>
        rows.push([
          'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [id, k, p.id, p.sku, p.name, p.price, quantities[k]!, p.price * quantities[k]!],
        ]),
      )
    }

    let t: TestApp
    if (onPostgres) {
      const database = await createTestDatabase({ empty: true })
      const direct = new SQL(database.url)
      try {
        await migratePostgres(direct, before(embeddedPg))
        for (const [statement, values] of rows) {
          let n = 0
          await direct.unsafe(statement.replace(/\?/g, () => `$${++n}`), values as never[])
        }
        expect(await migratePostgres(direct)).toEqual(embeddedPg.slice(before(embeddedPg).length).map((m) => m.tag))
      } finally {
        await direct.close()
      }
      t = await createTestApp({}, { databaseUrl: database.url })
      const close = t.close
      t.close = async () => {
        await close()
        await database.drop()
      }
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'kiosk-rollups-'))
      const { sqlite, close } = openDatabase(join(dir, 'kiosk.db'))
      migrate(sqlite, before(embedded))
      for (const [statement, values] of rows) sqlite.run(statement, values as never[])
      close()
      t = await createTestApp({}, { dir }) // migrates the rest, as a new version's start does
      const closeApp = t.close
      t.close = async () => {
        await closeApp()
        rmSync(dir, { recursive: true, force: true })
      }
    }
    apps.push(t)
    const applied = await t.sql<{ n: number }>(sql`SELECT CAST(COUNT(*) AS INTEGER) AS n FROM order_day_totals`)
    expect(applied[0]!.n).toBeGreaterThan(0)
    await expectRollupsMatchOrders(t)
    await expectSummariesExact(t, rangesOver('2026-01-20', '2026-03-05', next, 25))
  })
})
