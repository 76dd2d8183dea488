/**
 * What the rollup triggers cost the order store on SQLite, A/B in one process:
 * `bun bench/report-rollups-writes.ts [SECONDS per variant per round] [ROUNDS]`. Two databases
 * on WAL files, migrated alike; on "before" the rollup triggers are dropped. Per round and variant:
 * placeOrder as bench/order-batches.ts does it (3 lines, an Idempotency-Key, 16 per event-loop
 * turn: group commit), then transitions (pending -> paid -> shipped, and paid -> cancelled: the
 * ones that move the lines in and out of the sales). Prints the medians, per second, as JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { systemClock } from '../src/lib/clock.ts'
import { createOrderStore } from '../src/modules/orders/store/index.ts'

const seconds = Number(process.argv[2] ?? 1.5)
const rounds = Number(process.argv[3] ?? 5)
const dir = mkdtempSync(join(tmpdir(), 'kiosk-rollup-writes-'))

function variant(name: string, dropTriggers: boolean) {
  const { sqlite, close } = openDatabase(join(dir, `${name}.db`))
  migrate(sqlite)
  if (dropTriggers) {
    for (const { name: trigger } of sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'order%rollups%'").all()) {
      sqlite.run(`DROP TRIGGER ${trigger}`)
    }
  }
  const now = new Date().toISOString()
  const userId = Bun.randomUUIDv7()
  sqlite.run("INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'b@x.test', 'B', 'x', 'admin', 1, 0, ?, ?)", [userId, now, now])
  const productIds = Array.from({ length: 100 }, (_, i) => {
    const id = Bun.randomUUIDv7()
    sqlite.run("INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at) VALUES (?, ?, ?, '', 1000, 1000000000, 1, ?, ?)", [id, `SKU-${i}`, `P ${i}`, now, now])
    return id
  })
  const store = createOrderStore(sqlite, systemClock)
  const actor = { id: userId, role: 'admin' as const }
  let n = 0
  const pending: string[] = []
  const placeOne = async () => {
    const k = ++n
    const { order } = await store.placeOrder({
      user: actor,
      items: [0, 1, 2].map((j) => ({ product_id: productIds[(k * 3 + j) % productIds.length]!, quantity: 1 + j })),
      note: null,
      idempotency: { key: `k-${k}`, hash: 'h' },
      currency: 'USD',
      lowStockThreshold: 5,
    })
    pending.push(order.id)
  }
  return {
    name,
    sqlite,
    close,
    async place(): Promise<number> {
      let placed = 0
      const started = performance.now()
      const deadline = started + seconds * 1000
      while (performance.now() < deadline) {
        await Promise.all(Array.from({ length: 16 }, placeOne))
        placed += 16
      }
      return Math.round(placed / ((performance.now() - started) / 1000))
    },
    /** Walks placed orders: pending -> paid -> shipped, every fourth paid -> cancelled instead. */
    async transition(): Promise<number> {
      let moved = 0
      const started = performance.now()
      const deadline = started + seconds * 1000
      while (performance.now() < deadline && pending.length) {
        const id = pending.pop()!
        await store.transitionOrder(actor, id, 'paid', { ownerMayAct: false })
        await store.transitionOrder(actor, id, moved % 8 === 0 ? 'cancelled' : 'shipped', { ownerMayAct: false })
        moved += 2
      }
      return Math.round(moved / ((performance.now() - started) / 1000))
    },
  }
}

const variants = [variant('before', true), variant('after', false)]
const results: Record<string, { place: number[]; transition: number[] }> = { before: { place: [], transition: [] }, after: { place: [], transition: [] } }
for (let round = 0; round < rounds; round++) {
  // Alternating, and in the other order every other round, so the machine's load falls on both.
  for (const v of round % 2 ? [...variants].reverse() : variants) results[v.name]!.place.push(await v.place())
  for (const v of round % 2 ? [...variants].reverse() : variants) results[v.name]!.transition.push(await v.transition())
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const medians = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { placeOrdersPerSecond: median(r.place), transitionsPerSecond: median(r.transition) }]))
console.log(JSON.stringify({ seconds, rounds, results, medians }))
for (const v of variants) v.close()
rmSync(dir, { recursive: true, force: true })
