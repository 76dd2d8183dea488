import { insertProduct, type TestApp, sqliteOf } from '../../helpers.ts'

/** A product for order tests: 10 in stock at 10.00 unless told otherwise. */
export const addProduct = async (t: TestApp, options: { stock?: number; priceCents?: number; active?: boolean; name?: string } = {}) =>
  await insertProduct(t, { stock: 10, priceCents: 1000, ...options })

export const stockOf = (t: TestApp, id: string) =>
  sqliteOf(t).query<{ stock: number }, [string]>('SELECT stock FROM products WHERE id = ?').get(id)!.stock

export const count = (t: TestApp, table: string) => (sqliteOf(t).query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
