import { insertProduct, type TestApp } from '../../helpers.ts'

/** A product for order tests: 10 in stock at 10.00 unless told otherwise. */
export const addProduct = (t: TestApp, options: { stock?: number; priceCents?: number; active?: boolean; name?: string } = {}) =>
  insertProduct(t, { stock: 10, priceCents: 1000, ...options })

export const stockOf = (t: TestApp, id: string) =>
  t.ctx.sqlite.query<{ stock: number }, [string]>('SELECT stock FROM products WHERE id = ?').get(id)!.stock

export const count = (t: TestApp, table: string) => (t.ctx.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
