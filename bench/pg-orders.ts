/**
 * The PostgreSQL order store alone: `placeOrder` (one transaction per order: key claimed, products
 * locked and taken, order, lines, history, outbox, response remembered) called straight on the
 * store, CONCURRENCY calls in flight at a time, on a fresh migrated database of its own (dropped
 * at the end). Two catalogues: `spread` (1-3 lines over 200 products, every order with an
 * Idempotency-Key) and `hot` (every order takes one of the same product: the row lock serialises
 * them). Prints orders/s and latency percentiles per scenario as JSON.
 * Usage: bun bench/pg-orders.ts [ORDERS=2000] [CONCURRENCY=32] [POOL=20]
 * The server: KIOSK_BENCH_POSTGRES_URL, else KIOSK_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:55432/postgres.
 */
import { SQL } from 'bun'
import { openPostgres } from '../src/db/pg/client.ts'
import { migratePostgres } from '../src/db/pg/migrate.ts'
import { systemClock } from '../src/lib/clock.ts'
import { createPgOrderStore } from '../src/modules/orders/store/pg.ts'

const orders = Number(process.argv[2] ?? 2000)
const concurrency = Number(process.argv[3] ?? 32)
const pool = Number(process.argv[4] ?? 20)
const server = new URL(process.env.KIOSK_BENCH_POSTGRES_URL ?? process.env.KIOSK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres')
const name = `kiosk_bench_orders_${Date.now()}`
const admin = new SQL(server.toString(), { max: 1 })
await admin.unsafe(`CREATE DATABASE ${name}`)
const url = new URL(server)
url.pathname = `/${name}`
const { sql, close } = openPostgres(url.toString(), { max: pool })

try {
  await migratePostgres(sql)
  const now = new Date().toISOString()
  const users = Array.from({ length: 50 }, () => Bun.randomUUIDv7())
  for (const [i, id] of users.entries()) {
    await sql`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES (${id}, ${`b${i}@x.test`}, 'B', 'x', ${now}, ${now})`
  }
  const products = Array.from({ length: 201 }, () => Bun.randomUUIDv7())
  for (const [i, id] of products.entries()) {
    await sql`INSERT INTO products (id, sku, name, price_cents, stock, created_at, updated_at) VALUES (${id}, ${`SKU-${i}`}, ${`P ${i}`}, 1000, 1000000000, ${now}, ${now})`
  }
  const [hot, ...spread] = products as [string, ...string[]]
  const store = createPgOrderStore(sql, systemClock)

  const scenarios = {
    spread: (n: number) => ({
      items: Array.from({ length: 1 + (n % 3) }, (_, line) => ({ product_id: spread[(n * 7 + line * 61) % spread.length]!, quantity: 1 + line })),
      idempotency: { key: `spread-${n}`, hash: 'h' },
    }),
    hot: (_n: number) => ({ items: [{ product_id: hot, quantity: 1 }], idempotency: undefined }),
  }

  const results: Record<string, unknown> = {}
  for (const [scenario, order] of Object.entries(scenarios)) {
    const latencies: number[] = []
    let next = 0
    const caller = async () => {
      while (next < orders) {
        const n = next++
        const started = performance.now()
        await store.placeOrder({ user: { id: users[n % users.length]!, role: 'user' }, note: null, currency: 'USD', lowStockThreshold: 5, ...order(n) })
        latencies.push(performance.now() - started)
      }
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: concurrency }, caller))
    const elapsed = (performance.now() - started) / 1000
    latencies.sort((a, b) => a - b)
    const at = (q: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2))
    results[scenario] = { ordersPerSecond: Math.round(orders / elapsed), p50ms: at(0.5), p99ms: at(0.99) }
  }
  const [{ placed }] = await sql`SELECT count(*)::int AS placed FROM orders`
  console.log(JSON.stringify({ orders, concurrency, pool, placed, results }))
} finally {
  await close()
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.close()
}
