import type { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'

/**
 * A database file for the report benchmarks: `orders` orders (2.5 lines each on average) spread
 * over the 365 days before 2026-11-30, on 5,000 products and 50,000 customers. Built once and
 * reused (delete the file to rebuild). Plain SQL in one transaction: the point is speed, not the API.
 */
export function reportDatabase(path: string, orders: number) {
  if (existsSync(path)) return path
  const { sqlite, close } = openDatabase(path)
  migrate(sqlite)
  seed(sqlite, orders)
  close()
  return path
}

export function seed(sqlite: Database, orderCount: number) {
  const started = performance.now()
  const end = Date.parse('2026-12-01T00:00:00.000Z')
  const span = 365 * 86_400_000
  // mulberry32, in 32-bit integer arithmetic. (The LCG this replaces multiplied past 2^53 in
  // doubles and fell into a short cycle: 100k orders had 1,171 distinct instants and 2,200 products.)
  let seed = 42
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296
  }
  const statuses = ['pending', 'paid', 'paid', 'shipped', 'delivered', 'delivered', 'cancelled']
  sqlite.transaction(() => {
    const users = sqlite.prepare(
      "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?1, ?2, 'Customer', 'x', 'user', 1, 0, ?3, ?3)",
    )
    const userIds: string[] = []
    for (let i = 0; i < 50_000; i++) {
      const id = Bun.randomUUIDv7()
      userIds.push(id)
      users.run(id, `c${i}@bench.example`, new Date(end - span * 1.5 + random() * span * 1.5).toISOString())
    }
    const products = sqlite.prepare(
      "INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at) VALUES (?1, ?2, ?3, '', ?4, ?5, 1, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z')",
    )
    const catalog: { id: string; sku: string; name: string; price: number }[] = []
    for (let i = 0; i < 5_000; i++) {
      const product = { id: Bun.randomUUIDv7(), sku: `BENCH-${i}`, name: `Bench product ${i}`, price: 100 + Math.floor(random() * 20_000) }
      catalog.push(product)
      products.run(product.id, product.sku, product.name, product.price, Math.floor(random() * 200))
    }
    const order = sqlite.prepare(
      "INSERT INTO orders (id, user_id, status, total_cents, currency, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'USD', ?5, ?5)",
    )
    const item = sqlite.prepare(
      'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)',
    )
    for (let i = 0; i < orderCount; i++) {
      const id = Bun.randomUUIDv7()
      const createdAt = new Date(end - span + Math.floor(random() * span)).toISOString()
      const lines = 1 + Math.floor(random() * 4)
      let total = 0
      const rows: unknown[][] = []
      for (let position = 1; position <= lines; position++) {
        const product = catalog[Math.floor(random() * catalog.length)]!
        const quantity = 1 + Math.floor(random() * 3)
        total += product.price * quantity
        rows.push([id, position, product.id, product.sku, product.name, product.price, quantity, product.price * quantity])
      }
      order.run(id, userIds[Math.floor(random() * userIds.length)]!, statuses[Math.floor(random() * statuses.length)]!, total, createdAt)
      for (const row of rows) item.run(...(row as [string, number, string, string, string, number, number, number]))
    }
  })()
  console.error(`seeded ${orderCount} orders in ${Math.round(performance.now() - started)} ms`)
}
