/**
 * The start-up floor of Kiosk's stack: what a compiled app with Kiosk's shape costs to start before
 * any of Kiosk's own work. No Kiosk code is imported; it builds what Kiosk's start builds, in the
 * same libraries and the same amounts:
 * - pino with its destination and redaction paths, an lru-cache of 10,000 entries, an
 *   @elysiajs/jwt signer, @elysiajs/cron with three jobs at a fixed UTC offset;
 * - a bun:sqlite file (WAL) opened through drizzle, ten tables of eight columns each, two drizzle
 *   queries prepared on them and 74 raw prepared statements;
 * - an Elysia app of 52 routes, as many as Kiosk's: 29 GET, 14 POST, 4 PATCH, 4 DELETE, 1 PUT.
 *   Every route has a response schema (an object of eight fields and three problem statuses);
 *   15 also have a body, 8 a query, 18 path params, and 35 a resolving `auth` macro. There are
 *   two onRequest hooks, a parser, a mapResponse and an onError, and @elysiajs/openapi.
 *
 * It answers GET /health/live. `bun bench/coldstart.ts --floor` compiles it with Kiosk's build
 * flags and measures it the way Kiosk's cold start is measured: exec of the executable to that
 * route's first 200.
 */
import { Database } from 'bun:sqlite'
import { cron } from '@elysiajs/cron'
import { jwt } from '@elysiajs/jwt'
import { openapi } from '@elysiajs/openapi'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/bun-sqlite'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { Elysia, t } from 'elysia'
import { LRUCache } from 'lru-cache'
import pino from 'pino'

const dataDir = process.env.DATA_DIR ?? '.'
const logger = pino(
  { level: process.env.LOG_LEVEL ?? 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: ['password', '*.password', 'token', '*.token'], censor: '[redacted]' } },
  pino.destination({ fd: 1, sync: false }),
)
const cache = new LRUCache<string, object>({ maxSize: 10_000, sizeCalculation: () => 1, ttl: 30_000 })
const signer = jwt({ name: 'jwt', secret: process.env.JWT_SECRET ?? 'x'.repeat(32), alg: 'HS256' }).decorator.jwt

const TABLES = 10
const tables = Array.from({ length: TABLES }, (_, i) =>
  sqliteTable(`table_${i}`, {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    note: text('note'),
    price: integer('price').notNull(),
    stock: integer('stock').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  }),
)
const sqlite = new Database(`${dataDir}/floor.db`, { create: true })
sqlite.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON')
for (let i = 0; i < TABLES; i++) {
  sqlite.exec(
    `CREATE TABLE IF NOT EXISTS table_${i} (id TEXT PRIMARY KEY, name TEXT NOT NULL, note TEXT, price INTEGER NOT NULL, stock INTEGER NOT NULL, active INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`,
  )
}
const db = drizzle({ client: sqlite })
// As Kiosk's stores: two queries built with drizzle on the tables, the rest raw bun:sqlite statements.
const byId = tables.slice(0, 2).map((table) => db.select().from(table).where(eq(table.id, sql.placeholder('id'))).prepare())
const statements = Array.from({ length: 74 }, (_, i) => sqlite.prepare(`SELECT id, name, price FROM table_${i % TABLES} WHERE id = ? AND stock >= ${i}`))

const Row = t.Object({
  id: t.String(),
  name: t.String({ minLength: 1, maxLength: 200 }),
  note: t.Union([t.String(), t.Null()]),
  price: t.Integer({ minimum: 0 }),
  stock: t.Integer({ minimum: 0 }),
  active: t.Boolean(),
  created_at: t.String({ format: 'date-time' }),
  updated_at: t.String({ format: 'date-time' }),
})
const Problem = t.Object({ type: t.String(), title: t.String(), status: t.Integer(), detail: t.Optional(t.String()) })
const responses = { 200: Row, 201: Row, 400: Problem, 404: Problem, 422: Problem }
const Body = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }), note: t.Optional(t.String()), price: t.Integer({ minimum: 0 }), stock: t.Integer({ minimum: 0 }) })
const Query = t.Object({ limit: t.Optional(t.Numeric({ minimum: 1, maximum: 100 })), cursor: t.Optional(t.String({ maxLength: 512 })), q: t.Optional(t.String()) })
const Params = t.Object({ id: t.String() })

const row = { id: '1', name: 'n', note: null, price: 1, stock: 1, active: true, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }
const auth = new Elysia({ name: 'floor/auth' }).macro({
  auth: (role: 'user' | 'admin') => ({
    resolve: ({ headers, status }) => {
      const token = headers.authorization
      if (!token) return status(401, { type: 'about:blank', title: 'Unauthorized', status: 401 })
      return { user: { id: token, role } }
    },
  }),
})

type Method = 'get' | 'post' | 'patch' | 'delete' | 'put'
const times = (n: number, method: Method): Method[] => Array.from({ length: n }, () => method)
const METHODS: Method[] = [...times(29, 'get'), ...times(14, 'post'), ...times(4, 'patch'), ...times(4, 'delete'), 'put']
// Elysia's route methods register on the instance itself; typed loosely here, since 52 generated
// routes have no literal types to infer.
const routes = new Elysia({ name: 'floor/routes' }).use(auth)
const register = routes as unknown as Record<Method, (path: string, handler: () => unknown, hooks: object) => unknown>
// Kiosk's counts: 15 routes with a body, 8 with a query, 18 with path params, 35 with the macro.
let bodies = 15
let queries = 8
METHODS.forEach((method, i) => {
  const path = `/r${i}${i % 3 === 0 ? '/:id' : ''}`
  const body = method !== 'get' && method !== 'delete' && bodies-- > 0
  const query = method === 'get' && i % 3 !== 0 && queries-- > 0
  register[method](path, () => (statements[i % statements.length]!.get('x') as typeof row | null) ?? row, {
    response: responses,
    ...(i < 35 ? { auth: i % 2 ? 'user' : 'admin' } : {}),
    ...(body ? { body: Body } : {}),
    ...(query ? { query: Query } : {}),
    ...(path.endsWith('/:id') ? { params: Params } : {}),
    detail: { summary: `Route ${i}` },
  })
})

const app = new Elysia({ normalize: true })
  .onRequest(({ request }) => void request.headers.get('x-request-id'))
  .onRequest(({ request }) => void request.headers.get('content-length'))
  .onParse(() => undefined)
  .mapResponse(({ set }) => void (set.headers['x-request-id'] = Bun.randomUUIDv7()))
  .onError(({ code }) => void logger.debug({ code }, 'error'))
  .get('/health/live', () => ({ status: 'ok' }))
  .use(routes)
  // At a fixed UTC offset, as Kiosk schedules (src/jobs/tick.ts): a time zone would initialise ICU.
  .use(cron({ name: 'a', pattern: '*/5 * * * *', utcOffset: 0, run: () => cache.clear() }))
  .use(cron({ name: 'b', pattern: '0 3 * * *', utcOffset: 0, run: () => void byId[0]!.get({ id: 'x' }) }))
  .use(cron({ name: 'c', pattern: '0 * * * *', utcOffset: 0, run: () => void signer }))
  .use(openapi({ path: '/docs' }))
app.listen({ hostname: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000), reusePort: false })
logger.info({ port: app.server?.port }, 'floor listening')
// Started with the executable's JIT policy (scripts/compile-flags.ts); back to the normal one once listening, as Kiosk does.
Bun.unsafe.setJITPolicy(1)
