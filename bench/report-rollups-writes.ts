/**
 * What the rollup triggers cost the order store on SQLite, A/B in one process:
 * `bun bench/report-rollups-writes.ts [SECONDS per variant per round] [ROUNDS] [LINES per order=3]`. Two databases
 * on WAL files, migrated alike; on "before" the rollup triggers are dropped. Per round and variant:
 * placeOrder as bench/order-batches.ts does it (LINES lines, an Idempotency-Key, 16 per event-loop
 * turn: group commit), then transitions (pending -> paid -> shipped, and paid -> cancelled: the
 * ones that move the lines in and out of the sales). Prints medians per CPU second of this process
 * and per wall second, and the median of the per-round after/before ratios, as JSON.
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
const lines = Number(process.argv[4] ?? 3)
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
      items: Array.from({ length: lines }, (_, j) => ({ product_id: productIds[(k * lines + j) % productIds.length]!, quantity: 1 + j })),
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
    /** Orders per second of this process's CPU time (user + system), which the machine's other load barely moves, and of wall time. */
    async place(): Promise<{ cpu: number; wall: number }> {
      let placed = 0
      const cpu = process.cpuUsage()
      const started = performance.now()
      const deadline = started + seconds * 1000
      while (performance.now() < deadline) {
        await Promise.all(Array.from({ length: 16 }, placeOne))
        placed += 16
      }
      const used = process.cpuUsage(cpu)
      return { cpu: Math.round(placed / ((used.user + used.system) / 1e6)), wall: Math.round(placed / ((performance.now() - started) / 1000)) }
    },
    /** Walks placed orders: pending -> paid -> shipped, every fourth paid -> cancelled instead. */
    async transition(): Promise<{ cpu: number; wall: number }> {
      let moved = 0
      const cpu = process.cpuUsage()
      const started = performance.now()
      const deadline = started + seconds * 1000
      while (performance.now() < deadline && pending.length) {
        const id = pending.pop()!
        await store.transitionOrder(actor, id, 'paid', { ownerMayAct: false })
        await store.transitionOrder(actor, id, moved % 8 === 0 ? 'cancelled' : 'shipped', { ownerMayAct: false })
        moved += 2
      }
      const used = process.cpuUsage(cpu)
      return { cpu: Math.round(moved / ((used.user + used.system) / 1e6)), wall: Math.round(moved / ((performance.now() - started) / 1000)) }
    },
  }
}

const variants = [variant('before', true), variant('after', false)]
type Figures = { cpu: number; wall: number }
const results: Record<string, { place: Figures[]; transition: Figures[] }> = { before: { place: [], transition: [] }, after: { place: [], transition: [] } }
for (let round = 0; round < rounds; round++) {
  // Alternating, and in the other order every other round, so the machine's load falls on both.
  for (const v of round % 2 ? [...variants].reverse() : variants) results[v.name]!.place.push(await v.place())
  for (const v of round % 2 ? [...variants].reverse() : variants) results[v.name]!.transition.push(await v.transition())
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const summary: Record<string, unknown> = {}
for (const kind of ['place', 'transition'] as const) {
  for (const measure of ['cpu', 'wall'] as const) {
    const before = results.before![kind].map((f) => f[measure])
    const after = results.after![kind].map((f) => f[measure])
    // The ratio within a round is the figure to trust: the machine's load moves between rounds.
    summary[`${kind} per ${measure} second`] = { before: median(before), after: median(after), ratio: +median(after.map((a, i) => a / before[i]!)).toFixed(3) }
  }
}
console.log(JSON.stringify({ seconds, rounds, lines, ...summary }))
for (const v of variants) v.close()
rmSync(dir, { recursive: true, force: true })
