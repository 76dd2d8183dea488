import { products } from '../../../src/db/schema.ts'
import type { TestApp } from '../../helpers.ts'

let sequence = 0

/** Inserts a product straight into the catalog table (a fixture; the catalog API has its own tests). */
export function addProduct(t: TestApp, options: { stock?: number; priceCents?: number; active?: boolean; name?: string } = {}) {
  const now = t.clock.now().toISOString()
  const row = {
    id: Bun.randomUUIDv7(),
    sku: `SKU-${++sequence}-${Bun.randomUUIDv7().slice(-6)}`,
    name: options.name ?? `Product ${sequence}`,
    description: '',
    category: 'test',
    priceCents: options.priceCents ?? 1000,
    stock: options.stock ?? 10,
    active: options.active ?? true,
    createdAt: now,
    updatedAt: now,
  }
  t.ctx.db.insert(products).values(row).run()
  return row
}

export const stockOf = (t: TestApp, id: string) =>
  t.ctx.sqlite.query<{ stock: number }, [string]>('SELECT stock FROM products WHERE id = ?').get(id)!.stock

export const count = (t: TestApp, table: string) => (t.ctx.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
