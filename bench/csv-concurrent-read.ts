/**
 * `bun bench/csv-concurrent-read.ts [--against OTHER_EXECUTABLE] [--orders 200000] [--rounds 3] [--seconds 5]`:
 * the p99 of a cached `GET /products/{id}` (wrk -t1 -c20) and of `GET /health/live` while CSV exports of
 * every order line stream back to back, on this build's dist/kiosk and, alternating in each round, another
 * executable, on the same seeded data folder (copied per server). Prints the medians as JSON.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createJwt } from '../src/context.ts'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { ensureWrk, freePort, pinned, runWrk, waitFor200 } from './tools.ts'

const { values } = parseArgs({
  options: { against: { type: 'string' }, orders: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' } },
})
const ORDERS = Number(values.orders)
const SECRET = 'bench-secret-that-is-at-least-32-bytes!'
await ensureWrk()

const seed = mkdtempSync(join(tmpdir(), 'kiosk-csv-read-'))
const { sqlite, close } = openDatabase(join(seed, 'kiosk.db'))
migrate(sqlite)
const now = new Date().toISOString()
const adminId = Bun.randomUUIDv7()
const productId = Bun.randomUUIDv7()
sqlite.run("INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'a@x.test', 'A', 'x', 'admin', 1, 0, ?, ?)", [adminId, now, now])
sqlite.run("INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at) VALUES (?, 'CSV', 'Csv', '', 1000, 5, 1, ?, ?)", [productId, now, now])
sqlite.transaction(() => {
  sqlite.run(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
     INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
     SELECT printf('order-%08d', i), ?2, 'paid', 1000, 'USD', NULL, ?3, ?3 FROM n`,
    [ORDERS, adminId, now],
  )
  sqlite.run("INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) SELECT id, 0, ?1, 'CSV', 'Csv', 1000, 1, 1000 FROM orders", [productId])
})()
close()
const token = await createJwt(SECRET).sign({ sub: adminId, role: 'admin', ver: 0, jti: Bun.randomUUIDv7(), exp: Math.floor(Date.now() / 1000) + 7200 })

async function measure(executable: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-csv-read-run-'))
  cpSync(seed, join(dir, 'data'), { recursive: true })
  const port = freePort()
  const server = Bun.spawn(pinned(0, [executable, 'serve']), {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  const base = `http://127.0.0.1:${port}`
  await waitFor200(`${base}/health/live`)
  await fetch(`${base}/products/${productId}`) // fills the cache
  let exporting = true
  let exports = 0
  const exportLoop = (async () => {
    while (exporting) {
      const response = await fetch(`${base}/admin/reports/orders.csv`, { headers: { authorization: `Bearer ${token}` } })
      await response.arrayBuffer()
      exports++
    }
  })()
  const seconds = Number(values.seconds)
  const read = await runWrk({ url: `${base}/products/${productId}`, seconds, connections: 20, cpu: 1 })
  const live = await runWrk({ url: `${base}/health/live`, seconds, connections: 1, cpu: 1 })
  exporting = false
  await exportLoop
  server.kill()
  await server.exited
  rmSync(dir, { recursive: true, force: true })
  return { cachedRead: { rps: read.requestsPerSecond, p99Ms: read.p99Ms }, healthLive: { p99Ms: live.p99Ms }, exportsCompleted: exports }
}

const builds = { kiosk: resolve(import.meta.dir, '../dist/kiosk'), ...(values.against ? { against: resolve(values.against) } : {}) }
const samples: Record<string, Awaited<ReturnType<typeof measure>>[]> = {}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, executable] of Object.entries(builds)) {
    const sample = await measure(executable)
    ;(samples[name] ??= []).push(sample)
    console.log(`round ${round + 1} ${name}: ${JSON.stringify(sample)}`)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(JSON.stringify(Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, {
  cachedReadP99Ms: median(list.map((s) => s.cachedRead.p99Ms)),
  cachedReadRps: median(list.map((s) => s.cachedRead.rps)),
  healthLiveP99Ms: median(list.map((s) => s.healthLive.p99Ms)),
}]))))
rmSync(seed, { recursive: true, force: true })
