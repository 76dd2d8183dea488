/**
 * What `POST /orders` costs in process: the whole app (createApp, log level info to /dev/null)
 * answering authenticated one-line orders, N per event-loop turn as a loaded server sees them
 * (group commit shares one transaction per turn). CPU microseconds per order, best of 5 rounds;
 * no sockets, so the HTTP server's share is left out. With `--cpu-prof-md` on the command line
 * (`bun --cpu-prof-md bench/profile-orders.ts`) Bun writes where the time went.
 *
 *   bun bench/profile-orders.ts [--burst 32] [--orders 4000]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createContext } from '../src/context.ts'
import { sqliteOnly } from '../src/db/database.ts'
import { migrate } from '../src/db/migrate.ts'
import { createLogger } from '../src/lib/logger.ts'
import { createServices } from '../src/services.ts'

const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const burst = flag('--burst', 32)
const perRound = flag('--orders', 4000)

const dir = mkdtempSync(join(tmpdir(), 'kiosk-profile-orders-'))
const config = loadConfig({ DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32), NODE_ENV: 'production' })
const ctx = createContext(config, { logger: createLogger('info', pino.destination({ dest: '/dev/null', sync: false })) })
const { sqlite } = sqliteOnly(ctx.database, 'bench/profile-orders.ts')
migrate(sqlite)
const now = new Date().toISOString()
const userId = Bun.randomUUIDv7()
sqlite.run(
  "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'p@x.test', 'P', 'x', 'user', 1, 0, ?, ?)",
  [userId, now, now],
)
const productIds = Array.from({ length: 100 }, (_, i) => {
  const id = Bun.randomUUIDv7()
  sqlite.run(
    "INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at) VALUES (?, ?, ?, '', 'kitchen', 1000, 1000000000, 1, ?, ?)",
    [id, `SKU-${i}`, `P ${i}`, now, now],
  )
  return id
})
const token = await ctx.jwt.sign({ sub: userId, role: 'user', ver: 0, jti: Bun.randomUUIDv7(), exp: Math.floor(Date.now() / 1000) + 3600 })
const app = createApp(ctx, createServices(ctx))

let n = 0
const order = () =>
  new Request('http://localhost/orders', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ items: [{ product_id: productIds[n++ % productIds.length], quantity: 1 }] }),
  })
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

async function cpuPerOrder(count: number) {
  const before = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < count; i += burst) {
    const responses = await Promise.all(Array.from({ length: burst }, () => app.handle(order())))
    for (const response of responses) {
      if (response.status !== 201) throw new Error(`order answered ${response.status}: ${await response.text()}`)
      await response.text()
    }
    await nextTurn()
  }
  const used = process.cpuUsage(before)
  return { cpu: (used.user + used.system) / count, wall: ((performance.now() - started) * 1000) / count }
}

const rounds: { cpu: number; wall: number }[] = []
for (let round = 0; round < 6; round++) {
  const result = await cpuPerOrder(perRound)
  if (round > 0) rounds.push(result)
}
const best = Math.min(...rounds.map((r) => r.cpu))
const bestWall = Math.min(...rounds.map((r) => r.wall))
console.log(
  `POST /orders in process, ${burst} per turn: best ${best.toFixed(1)} µs CPU per order (${Math.round(1e6 / best)} orders/s of one core), ` +
    `wall ${bestWall.toFixed(1)} µs; rounds ${rounds.map((r) => r.cpu.toFixed(0)).join(', ')}`,
)
await ctx.close()
rmSync(dir, { recursive: true, force: true })
