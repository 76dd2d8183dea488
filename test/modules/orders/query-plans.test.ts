import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { encodeCursor } from '../../../src/lib/cursor.ts'
import { orderListQuery, type OrderFilter } from '../../../src/modules/orders/store/reader.ts'
import { createTestApp, sqliteOf } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Every index an order writes on `orders` is what some GET /orders page walks, so none can go
 * (the write path pays for each: ~21 µs an order for the three, in the profile of issue #19): a user's own orders, an admin's by status,
 * an admin's all. No page is a full scan of orders.
 */
const t = await createTestApp()
afterAll(() => t.close())

function plan(filter: OrderFilter): string {
  const { sql, params } = orderListQuery(filter)
  // Prepared and finalized here: a cached EXPLAIN statement left open would keep the database busy.
  const explain = sqliteOf(t).prepare<{ detail: string }, (string | number)[]>(`EXPLAIN QUERY PLAN ${sql}`)
  const lines = explain.all(...params).map((row) => row.detail)
  explain.finalize()
  return lines.join(' | ')
}

const cursor = encodeCursor(['2026-05-01T00:00:00.000Z', Bun.randomUUIDv7()])
const CASES: [string, OrderFilter, string][] = [
  ["a user's orders", { userId: 'u', limit: 20 }, 'SEARCH orders USING INDEX orders_user_created_idx (user_id=?)'],
  ["a user's orders in a range, next page", { userId: 'u', from: 'a', to: 'b', cursor, limit: 20 }, 'SEARCH orders USING INDEX orders_user_created_idx (user_id=? AND created_at>? AND created_at<?)'],
  ['all orders (admin)', { limit: 20 }, 'SCAN orders USING INDEX orders_created_idx'],
  ['all orders in a range (admin)', { from: 'a', to: 'b', limit: 20 }, 'SEARCH orders USING INDEX orders_created_idx (created_at>? AND created_at<?)'],
  ['orders by status (admin)', { status: 'paid', limit: 20 }, 'SEARCH orders USING INDEX orders_status_created_idx (status=?)'],
]

describe('GET /orders query plans', () => {
  for (const [name, filter, expected] of CASES) {
    test(`${name} walks its index`, () => {
      const detail = plan(filter)
      expect(detail.split(' | ')[0]).toBe(expected)
      expect(detail).not.toMatch(/SCAN orders(?! USING)/)
    })
  }
})
