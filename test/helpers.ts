import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../src/app.ts'
import { loadConfig, type Env } from '../src/config.ts'
import { createContext, type AppContext } from '../src/context.ts'
import type { SQL as Query } from 'drizzle-orm'
import { sqliteOnly } from '../src/db/database.ts'
import { migrate } from '../src/db/migrate.ts'
import { products, users } from '../src/db/schema.ts'
import * as pgSchema from '../src/db/schema.pg.ts'
import { createServices, type Services } from '../src/services.ts'
import { ManualClock } from '../src/lib/clock.ts'
import { createLogger, type Logger } from '../src/lib/logger.ts'
import { createTestDatabase, onPostgres } from './postgres.ts'

export { onPostgres }

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!'
export const BASE = 'http://kiosk.test'

export interface TestApp {
  app: ReturnType<typeof createApp>
  ctx: AppContext
  /** The app's own stores and services (built once, as in a running process). */
  services: Services
  clock: ManualClock
  dir: string
  /** app.handle on a path relative to the app, with JSON bodies encoded. */
  request(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>
  /**
   * Runs SQL written once for both dialects (drizzle's sql`` template, values bound) straight on the
   * app's database, for fixtures and for looking under the API; returns the rows as the driver gives
   * them (booleans: 0/1 on SQLite, true/false on PostgreSQL).
   */
  sql<T = Record<string, unknown>>(query: Query): Promise<T[]>
  close(): Promise<void>
}

/**
 * A fresh app on a fresh, migrated database in its own temp folder: SQLite, or a PostgreSQL
 * database of its own when KIOSK_TEST_DATABASE=postgres (test/postgres.ts). With `options.dir`,
 * an app on that folder's existing data instead (a restart; SQLite only); close() then leaves
 * the folder alone.
 */
export async function createTestApp(env: Env = {}, options: { dir?: string; logger?: Logger; databaseUrl?: string } = {}): Promise<TestApp> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kiosk-test-'))
  const ownDatabase = onPostgres && !options.databaseUrl && env.DATABASE_PATH === undefined ? await createTestDatabase() : undefined
  const databaseUrl = options.databaseUrl ?? ownDatabase?.url
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dir,
    JWT_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '4', DATABASE_DRIVER: process.env.KIOSK_TEST_POSTGRES_DRIVER ?? 'bun' } : {}),
    ...env,
  })
  const clock = new ManualClock(new Date())
  const ctx = createContext(config, { clock, logger: options.logger ?? createLogger('silent') })
  if (ctx.database.dialect === 'sqlite') migrate(ctx.database.sqlite)
  const services = createServices(ctx)
  await services.coherence.ready
  const app = createApp(ctx, services)
  const database = ctx.database
  return {
    app,
    ctx,
    services,
    clock,
    dir,
    request(path, init = {}) {
      const { json, token, ...rest } = init
      const headers = new Headers(rest.headers)
      if (json !== undefined) {
        headers.set('content-type', 'application/json')
        rest.body = JSON.stringify(json)
      }
      if (token) headers.set('authorization', `Bearer ${token}`)
      return app.handle(new Request(`${BASE}${path}`, { ...rest, headers }))
    },
    async sql<T>(query: Query) {
      if (database.dialect === 'postgres') return (await database.db.execute(query)) as unknown as T[]
      return database.db.all(query) as T[]
    },
    async close() {
      await services.coherence.close()
      await ctx.close()
      await ownDatabase?.drop()
      if (!options.dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Inserts rows into a table by its SQLite schema name, on whichever dialect the app runs. */
export async function insertRows(t: TestApp, table: 'users' | 'products', rows: Record<string, unknown>[]) {
  const database = t.ctx.database
  if (database.dialect === 'postgres') {
    await database.db.insert(pgSchema[table]).values(rows as never)
    return
  }
  database.db
    .insert(table === 'users' ? users : products)
    .values(rows as never)
    .run()
}

let sequence = 0

/**
 * Inserts a user straight into the database (a fixture, not the API under test) and returns it
 * with a real access token signed by the app's own signer.
 */
export async function createUser(
  t: TestApp,
  options: { role?: 'user' | 'admin'; email?: string; password?: string; name?: string } = {},
) {
  const now = t.clock.now().toISOString()
  const password = options.password ?? 'correct horse battery'
  const row = {
    id: Bun.randomUUIDv7(),
    email: options.email ?? `user${++sequence}-${Bun.randomUUIDv7().slice(-6)}@example.com`,
    name: options.name ?? `User ${sequence}`,
    passwordHash: await Bun.password.hash(password, { algorithm: 'argon2id', memoryCost: 4096, timeCost: 2 }),
    role: options.role ?? 'user',
    active: true,
    tokenVersion: 0,
    createdAt: now,
    updatedAt: now,
  }
  await insertRows(t, 'users', [row])
  const token = await accessTokenFor(t, row)
  return { ...row, password, token }
}

/** A valid access token for a user row, as the token endpoint would issue it. */
export function accessTokenFor(t: TestApp, user: { id: string; role: string; tokenVersion: number }) {
  const nowSeconds = Math.floor(t.clock.now().getTime() / 1000)
  return t.ctx.jwt.sign({
    sub: user.id,
    role: user.role,
    ver: user.tokenVersion,
    jti: Bun.randomUUIDv7(),
    exp: nowSeconds + Math.floor(t.ctx.config.ACCESS_TOKEN_TTL / 1000),
  })
}

/** Reads a JSON body, failing loudly with the body when it isn't JSON. */
export async function json<T = any>(response: Response): Promise<T> {
  const text = await response.text()
  try {
    return JSON.parse(text) as T
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 300)}`)
  }
}

/** Asserts the response is an RFC 9457 problem with the status; returns the body. */
export async function expectProblem(response: Response, status: number) {
  const body = await json(response)
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(body)}`)
  if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${response.headers.get('content-type')}`)
  }
  for (const key of ['type', 'title', 'status', 'detail', 'instance', 'request_id']) {
    if (!(key in body)) throw new Error(`problem body lacks "${key}": ${JSON.stringify(body)}`)
  }
  if (body.status !== status) throw new Error(`problem status ${body.status} != ${status}`)
  return body
}

/** Elysia runs afterResponse hooks (log line, metrics) after the response is handed back; let them run. */
export const afterResponseHooks = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Inserts a product straight into the catalog table (a fixture for tests that are not about the catalog API). */
let productSequence = 0

export interface ProductFixture {
  id: string
  sku: string
  name: string
  priceCents: number
  stock: number
  active: boolean
}

export async function insertProduct(t: TestApp, values: Partial<ProductFixture> = {}): Promise<ProductFixture> {
  const now = t.clock.now().toISOString()
  const n = ++productSequence
  const row = {
    id: Bun.randomUUIDv7(),
    sku: `SKU-${n}-${Bun.randomUUIDv7().slice(-4)}`,
    name: `Product ${n}`,
    priceCents: 1000 + n,
    stock: 100,
    active: true,
    ...values,
  }
  await insertRows(t, 'products', [{ ...row, description: '', createdAt: now, updatedAt: now }])
  return row
}


/** A logger at `level` whose JSON lines are kept in `lines`, for tests about what is logged. */
export function capturingLogger(level = 'warn') {
  const lines: Record<string, any>[] = []
  const logger = createLogger(level, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { logger, lines, security: (event: string) => lines.filter((line) => line.security === event) }
}

/** The bun:sqlite connection of a SQLite test app (tests about SQLite itself; throws on PostgreSQL). */
export const sqliteOf = (t: Pick<TestApp, 'ctx'>) => sqliteOnly(t.ctx.database, 'this test').sqlite
/** Drizzle on a SQLite test app's connection (throws on PostgreSQL). */
export const drizzleOf = (t: Pick<TestApp, 'ctx'>) => sqliteOnly(t.ctx.database, 'this test').db
