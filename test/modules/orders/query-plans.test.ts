import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { encodeCursor } from '../../../src/lib/cursor.ts'
import { orderListQuery, type OrderFilter } from '../../../src/modules/orders/store/reader.ts'
import { pgOrderListQuery } from '../../../src/modules/orders/store/reader.pg.ts'
import { createTestApp, onPostgres, sqliteOf } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Every index an order writes on `orders` is what some GET /orders page walks, so none can go
 * (the write path pays for each: ~21 µs an order for the three, in the profile of issue #19): a user's own orders, an admin's by status,
 * an admin's all. No page is a full scan of orders.
 */
const t = await createTestApp()
afterAll(() => t.close())

const cursor = encodeCursor(['2026-05-01T00:00:00.000Z', Bun.randomUUIDv7()])

// EXPLAIN QUERY PLAN is SQLite's own; the PostgreSQL planner is asked below.
describe.skipIf(onPostgres)('GET /orders query plans (SQLite)', () => {
  function plan(filter: OrderFilter): string {
    const { sql, params } = orderListQuery(filter)
    // Prepared and finalized here: a cached EXPLAIN statement left open would keep the database busy.
    const explain = sqliteOf(t).prepare<{ detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${sql}`)
    const lines = explain.all(...params).map((row) => row.detail)
    explain.finalize()
    return lines.join(' | ')
  }

  const CASES: [string, OrderFilter, string][] = [
    ["a user's orders", { userId: 'u', limit: 20 }, 'SEARCH orders USING INDEX orders_user_created_idx (user_id=?)'],
    ["a user's orders in a range, next page", { userId: 'u', from: 'a', to: 'b', cursor, limit: 20 }, 'SEARCH orders USING INDEX orders_user_created_idx (user_id=? AND created_at>? AND created_at<?)'],
    ['all orders (admin)', { limit: 20 }, 'SCAN orders USING INDEX orders_created_idx'],
    ['all orders in a range (admin)', { from: 'a', to: 'b', limit: 20 }, 'SEARCH orders USING INDEX orders_created_idx (created_at>? AND created_at<?)'],
    ['orders by status (admin)', { status: 'paid', limit: 20 }, 'SEARCH orders USING INDEX orders_status_created_idx (status=?)'],
  ]

  for (const [name, filter, expected] of CASES) {
    test(`${name} walks its index`, () => {
      const detail = plan(filter)
      expect(detail.split(' | ')[0]).toBe(expected)
      expect(detail).not.toMatch(/SCAN orders(?! USING)/)
    })
  }
})

/*
 * PostgreSQL's planner chooses by statistics, so it is asked about a shop with history: 200
 * customers, 20,000 orders over ~55 days, most of them delivered, ANALYZEd. Each page must then
 * be an index scan of orders on its index (never a Seq Scan), lines and history included.
 */
describe.skipIf(!onPostgres)('GET /orders query plans (PostgreSQL)', () => {
  interface PlanNode {
    'Node Type': string
    'Relation Name'?: string
    'Index Name'?: string
    'Index Cond'?: string
    Plans?: PlanNode[]
  }
  const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)]

  let seeded: Promise<void> | undefined
  const seed = async () => {
    await t.sql(sql`
      INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
      SELECT 'u' || lpad(n::text, 4, '0'), 'u' || n || '@example.com', 'User ' || n, 'x', 'user', true, 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
      FROM generate_series(1, 200) AS n`)
    await t.sql(sql`
      INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
      SELECT 'o' || lpad(n::text, 6, '0'), 'u' || lpad((n % 200 + 1)::text, 4, '0'),
        CASE WHEN n % 50 = 0 THEN 'paid' WHEN n % 50 = 1 THEN 'pending' WHEN n % 50 = 2 THEN 'shipped' WHEN n % 50 = 3 THEN 'cancelled' ELSE 'delivered' END,
        1000, 'USD', NULL, at, at
      FROM generate_series(1, 20000) AS n,
        LATERAL (SELECT to_char(timestamp '2026-03-01' + n * interval '4 minutes', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at) AS stamp`)
    await t.sql(sql`ANALYZE orders`)
  }

  async function ordersScans(filter: OrderFilter): Promise<PlanNode[]> {
    await (seeded ??= seed())
    const database = t.ctx.database
    if (database.dialect !== 'postgres') throw new Error('PostgreSQL only')
    const { text, params } = pgOrderListQuery(filter)
    const [row] = await database.sql.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params)
    const plan = (row['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan
    return nodes(plan).filter((node) => node['Relation Name'] === 'orders')
  }

  const cursorAt = '2026-04-10T00:00:00.000Z'
  const pageCursor = encodeCursor([cursorAt, 'o999999'])
  const CASES: [string, OrderFilter, string][] = [
    ["a user's orders", { userId: 'u0042', limit: 20 }, 'orders_user_created_idx'],
    ["a user's orders, next page", { userId: 'u0042', cursor: pageCursor, limit: 20 }, 'orders_user_created_idx'],
    ["a user's orders in a range, next page", { userId: 'u0042', from: '2026-03-10T00:00:00.000Z', to: '2026-04-20T00:00:00.000Z', cursor: pageCursor, limit: 20 }, 'orders_user_created_idx'],
    ['all orders (admin)', { limit: 20 }, 'orders_created_idx'],
    ['all orders, next page (admin)', { cursor: pageCursor, limit: 20 }, 'orders_created_idx'],
    ['all orders in a range (admin)', { from: '2026-03-10T00:00:00.000Z', to: '2026-03-20T00:00:00.000Z', limit: 20 }, 'orders_created_idx'],
    ['orders by status (admin)', { status: 'paid', limit: 20 }, 'orders_status_created_idx'],
    ['orders by status, next page (admin)', { status: 'paid', cursor: pageCursor, limit: 20 }, 'orders_status_created_idx'],
  ]

  for (const [name, filter, index] of CASES) {
    test(`${name} walks ${index}`, async () => {
      const scans = await ordersScans(filter)
      expect(scans.map((node) => node['Index Name'])).toEqual([index])
      expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan')
      // A next page starts at its cursor in the index (the keyset is an index condition), not after the pages before it.
      if (filter.cursor) expect(scans[0]!['Index Cond']).toContain(cursorAt)
    })
  }
})
