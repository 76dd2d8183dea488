/**
 * `bun bench/ab-app.ts OTHER_CHECKOUT [--rounds 15] [--batch 2000] [--burst 32] [--level info] [--only NAME]`:
 * the same requests through this checkout's createApp and another checkout's (say, main before a
 * refactor), in one process, alternating short batches. Prints the median CPU time per request of
 * each (user + system, so a busy machine's waiting for a core is not counted) and their ratio, per
 * scenario. In process (app.handle, no sockets): it measures what the app itself costs.
 *
 * --burst N sends N requests per event-loop turn (a server under wrk -c50 sees ~30), so per-turn
 * work (the access log's one write) is shared as it is there; --level info (the default) writes the
 * access line to /dev/null through pino's own destination, as the executable does; --level silent
 * leaves it out. --only NAME runs the scenarios whose name starts with NAME.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Database } from 'bun:sqlite'
import pino from 'pino'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '15' },
    batch: { type: 'string', default: '2000' },
    burst: { type: 'string', default: '32' },
    level: { type: 'string', default: 'info' },
    only: { type: 'string' },
  },
})
if (!positionals[0]) throw new Error('usage: bun bench/ab-app.ts OTHER_CHECKOUT [--rounds N] [--batch N]')
const rounds = Number(values.rounds)
const batch = Number(values.batch)
const burst = Number(values.burst)
const PRODUCTS = 5000
const SECRET = 'bench-secret-that-is-at-least-32-bytes!'
const LIST_PATH = '/products?category=kitchen&in_stock=true&min_price=1000&sort=price&limit=20'

async function build(root: string) {
  const { loadConfig } = await import(join(root, 'src/config.ts'))
  const { createContext } = await import(join(root, 'src/context.ts'))
  const { migrate } = await import(join(root, 'src/db/migrate.ts'))
  const { createApp } = await import(join(root, 'src/app.ts'))
  const { createLogger } = await import(join(root, 'src/lib/logger.ts'))
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-ab-'))
  const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dir, JWT_SECRET: SECRET, LOG_LEVEL: values.level, CACHE_MAX_ENTRIES: '1000' })
  const ctx = createContext(config, { logger: createLogger(values.level, pino.destination({ dest: '/dev/null', sync: false })) })
  // Checkouts from before the store boundary kept the connection on the context itself.
  const sqlite: Database = ctx.database?.sqlite ?? ctx.sqlite
  migrate(sqlite)
  const now = new Date().toISOString()
  const ids: string[] = []
  sqlite.transaction(() => {
    for (let i = 0; i < PRODUCTS; i++) {
      const id = Bun.randomUUIDv7()
      ids.push(id)
      sqlite.run(
        'INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)',
        [id, `SKU-${i}`, `Product ${i}`, 'A product', i % 6 === 0 ? 'kitchen' : 'garden', 500 + ((i * 37) % 9000), 1_000_000, now, now],
      )
    }
  })()
  const userId = Bun.randomUUIDv7()
  sqlite.run(
    "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'buyer@example.com', 'Buyer', 'x', 'user', 1, 0, ?, ?)",
    [userId, now, now],
  )
  const token = await ctx.jwt.sign({ sub: userId, role: 'user', ver: 0, jti: Bun.randomUUIDv7(), exp: Math.floor(Date.now() / 1000) + 86_400 })
  const app = createApp(ctx)
  return { root, app, ids, token, close: async () => (await ctx.close(), rmSync(dir, { recursive: true, force: true })) }
}

type Built = Awaited<ReturnType<typeof build>>
const scenarios: [string, (b: Built, i: number) => Request][] = [
  ['cached product read', (b) => new Request(`http://kiosk.test/products/${b.ids[PRODUCTS / 2]}`)],
  ['cached product read with a token', (b) => new Request(`http://kiosk.test/products/${b.ids[PRODUCTS / 2]}`, { headers: { authorization: `Bearer ${b.token}` } })],
  ['uncached product read', (b, i) => new Request(`http://kiosk.test/products/${b.ids[(i * 7919) % PRODUCTS]}`)],
  ['product list', () => new Request(`http://kiosk.test${LIST_PATH}`)],
  [
    'order creation',
    (b, i) =>
      new Request('http://kiosk.test/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${b.token}` },
        body: JSON.stringify({ items: [{ product_id: b.ids[i % PRODUCTS], quantity: 1 }] }),
      }),
  ],
]

const trees = [await build(resolve(import.meta.dir, '..')), await build(resolve(positionals[0]))]
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
let counter = 0
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
for (const [name, request] of scenarios) {
  if (values.only && !name.startsWith(values.only)) continue
  const perRequest: number[][] = [[], []]
  for (let round = 0; round < rounds + 1; round++) {
    for (const which of round % 2 ? [1, 0] : [0, 1]) {
      const tree = trees[which]!
      const started = process.cpuUsage()
      for (let k = 0; k < batch; k += burst) {
        const responses = await Promise.all(Array.from({ length: burst }, () => tree.app.handle(request(tree, counter++))))
        for (const response of responses) {
          if (response.status >= 300) throw new Error(`${tree.root}: ${name} answered ${response.status}: ${await response.text()}`)
          await response.arrayBuffer()
        }
        await nextTurn() // after-response hooks (log line, metrics) and the turn's log write run inside the measurement
      }
      // Round 0 warms both up (JIT, caches) and is not counted.
      const used = process.cpuUsage(started)
      if (round > 0) perRequest[which]!.push((used.user + used.system) / batch)
    }
  }
  const [here, other] = perRequest.map(median) as [number, number]
  const ratios = perRequest[0]!.map((us, i) => perRequest[1]![i]! / us)
  console.log(
    `${name.padEnd(22)} this checkout ${here.toFixed(1).padStart(7)} µs CPU/req   other ${other.toFixed(1).padStart(7)} µs CPU/req   ` +
      `throughput ratio (this ÷ other, median of rounds) ${median(ratios).toFixed(3)}`,
  )
}
for (const tree of trees) await tree.close()
