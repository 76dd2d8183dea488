/**
 * Group commit in process: `placeOrder` (the real store, one line, stock, events, outbox, an
 * Idempotency-Key) on a WAL + synchronous=NORMAL file, with N orders submitted per event-loop turn
 * (N = 1 is one transaction per order, as before group commit). No HTTP, so the store's own gain is
 * measured without the request layer's noise. Alternates the sizes within each round; prints
 * orders/s per size and round, and the medians, as JSON.
 * Usage: bun bench/order-batches.ts [SECONDS per size per round] [ROUNDS]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { systemClock } from '../src/lib/clock.ts'
import { createOrderStore } from '../src/modules/orders/store/index.ts'

const seconds = Number(process.argv[2] ?? 2)
const rounds = Number(process.argv[3] ?? 3)
const SIZES = [1, 4, 16, 50]
const dir = mkdtempSync(join(tmpdir(), 'kiosk-order-batches-'))
const { sqlite, close } = openDatabase(join(dir, 'kiosk.db'))
migrate(sqlite)
const now = new Date().toISOString()
const userId = Bun.randomUUIDv7()
sqlite.run("INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'b@x.test', 'B', 'x', 'user', 1, 0, ?, ?)", [userId, now, now])
const productIds = Array.from({ length: 100 }, (_, i) => {
  const id = Bun.randomUUIDv7()
  sqlite.run('INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at) VALUES (?, ?, ?, \'\', 1000, 1000000000, 1, ?, ?)', [id, `SKU-${i}`, `P ${i}`, now, now])
  return id
})
const store = createOrderStore(sqlite, systemClock)
let n = 0
const placeOne = () =>
  store.placeOrder({
    user: { id: userId, role: 'user' },
    items: [{ product_id: productIds[n % productIds.length]!, quantity: 1 }],
    note: null,
    idempotency: { key: `k-${++n}`, hash: 'h' },
    currency: 'USD',
    lowStockThreshold: 5,
  })

async function measure(perTurn: number): Promise<number> {
  let placed = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  while (performance.now() < deadline) {
    await Promise.all(Array.from({ length: perTurn }, placeOne))
    placed += perTurn
  }
  return Math.round(placed / ((performance.now() - started) / 1000))
}

const results: Record<number, number[]> = Object.fromEntries(SIZES.map((size) => [size, []]))
for (let round = 0; round < rounds; round++) for (const size of SIZES) results[size]!.push(await measure(size))
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
console.log(JSON.stringify({ seconds, rounds, ordersPerSecond: results, medians: Object.fromEntries(SIZES.map((s) => [s, median(results[s]!)])) }))
close()
rmSync(dir, { recursive: true, force: true })
