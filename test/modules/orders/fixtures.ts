import { sql } from 'drizzle-orm'
import { insertProduct, type TestApp } from '../../helpers.ts'

/** A product for order tests: 10 in stock at 10.00 unless told otherwise. */
export const addProduct = async (t: TestApp, options: { stock?: number; priceCents?: number; active?: boolean; name?: string } = {}) =>
  await insertProduct(t, { stock: 10, priceCents: 1000, ...options })

export const stockOf = async (t: TestApp, id: string) => (await t.sql<{ stock: number }>(sql`SELECT stock FROM products WHERE id = ${id}`))[0]!.stock

/** Rows in `table` (a fixed table name of the test, never input). CAST: a number on both dialects (PostgreSQL's count is a bigint). */
export const count = async (t: TestApp, table: 'orders' | 'order_items' | 'order_events' | 'outbox' | 'idempotency_keys' | 'products') =>
  (await t.sql<{ n: number }>(sql.raw(`SELECT CAST(count(*) AS integer) AS n FROM ${table}`)))[0]!.n
