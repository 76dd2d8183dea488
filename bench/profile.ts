/**
 * What the per-request plugins cost: the same cached product read through Elysia with more and
 * more of Kiosk's layers, measured in-process (app.handle, no sockets) as CPU microseconds per
 * request, best of several rounds. In-process figures are steadier than wrk's on a shared
 * machine and isolate the framework and plugins from the HTTP server.
 *
 *   bun bench/profile.ts [--burst 32]
 *
 * With --burst N, N requests are handled per event-loop turn (as a server under load sees them:
 * ~35 per turn at wrk -c50), so per-turn work such as the log line's write is shared as it is there.
 */
import { Elysia } from 'elysia'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createContext, type AppContext } from '../src/context.ts'
import { migrate } from '../src/db/migrate.ts'
import { sqliteOnly } from '../src/db/database.ts'
import { authPlugin, createAuthenticator } from '../src/http/auth.ts'
import { createServices } from '../src/services.ts'
import { problemPlugin } from '../src/http/problem.ts'
import { requestPlugin } from '../src/http/request.ts'
import { createLogger } from '../src/lib/logger.ts'
import { catalogModule } from '../src/modules/catalog/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'kiosk-profile-'))
const config = loadConfig({ DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32), NODE_ENV: 'production' })
const devNull = () => pino.destination({ dest: '/dev/null', sync: false })
const contextWith = (level: string): AppContext => {
  const ctx = createContext(config, { logger: createLogger(level, devNull()) })
  migrate(sqliteOnly(ctx.database, 'bench/profile.ts').sqlite)
  return ctx
}

const ctx = contextWith('info')
const now = new Date().toISOString()
const id = Bun.randomUUIDv7()
sqliteOnly(ctx.database, 'bench/profile.ts').sqlite.run(
  "INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at) VALUES (?, 'SKU-1', 'Oak chair', 'A chair', 'furniture', 1999, 12, 1, ?, ?)",
  [id, now, now],
)
const body = JSON.stringify({ id, sku: 'SKU-1', name: 'Oak chair', description: 'A chair', category: 'furniture', price_cents: 1999, stock: 12, active: true, image_url: null, created_at: now, updated_at: now })

const modules = (context: AppContext) =>
{
  const services = createServices(context)
  return catalogModule(services, authPlugin(createAuthenticator(services.stores.users, context)))
}
const variants: [string, { handle(request: Request): Promise<Response> }][] = [
  ['Elysia, constant JSON object', new Elysia().get('/products/:id', () => JSON.parse(body))],
  ['Elysia, prebuilt Response', new Elysia().get('/products/:id', () => new Response(body, { headers: { 'content-type': 'application/json' } }))],
  ['+ problem plugin + catalog module (LRU hit)', new Elysia({ normalize: true }).use(problemPlugin(ctx.logger)).use(modules(ctx))],
  ['+ request plugin, log level warn', new Elysia({ normalize: true }).use(problemPlugin(ctx.logger)).use(requestPlugin(contextWith('warn'))).use(modules(ctx))],
  ['+ request plugin, log level info', new Elysia({ normalize: true }).use(problemPlugin(ctx.logger)).use(requestPlugin(ctx)).use(modules(ctx))],
  ['the whole app (createApp), log level info', createApp(ctx)],
]

const url = `http://localhost/products/${id}`
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
const burstFlag = process.argv.indexOf('--burst')
const burst = burstFlag === -1 ? 1 : Number(process.argv[burstFlag + 1])
async function cpuPerRequest(app: { handle(request: Request): Promise<Response> }, n: number) {
  const before = process.cpuUsage()
  for (let i = 0; i < n; i += burst) {
    const responses = await Promise.all(Array.from({ length: burst }, () => app.handle(new Request(url))))
    for (const response of responses) await response.text()
    await nextTurn() // lets after-response hooks (log line, metrics) run inside the measurement
  }
  const used = process.cpuUsage(before)
  return (used.user + used.system) / n
}

const best = new Map<string, number>()
for (let round = 0; round < 6; round++) {
  for (const [name, app] of variants) {
    const us = await cpuPerRequest(app, 4000)
    if (round > 0) best.set(name, Math.min(best.get(name) ?? Infinity, us))
  }
}
const emptyLoop = await cpuPerRequest({ handle: async () => new Response('') }, 4000)
console.log(`CPU µs per request (best of 5 rounds of 4000, ${burst} per turn; an empty loop costs ${emptyLoop.toFixed(1)} µs, not subtracted)`)
let previous: number | undefined
for (const [name, us] of best) {
  console.log(`${name.padEnd(46)} ${us.toFixed(1).padStart(6)}${previous === undefined ? '' : `  (${us - previous >= 0 ? '+' : ''}${(us - previous).toFixed(1)})`}`)
  previous = us
}
rmSync(dir, { recursive: true, force: true })
