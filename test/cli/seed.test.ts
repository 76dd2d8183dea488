import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentProgress } from '../../src/cli/progress.ts'
import { seedCommand } from '../../src/cli/seed.ts'
import { loadConfig } from '../../src/config.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { createTestDatabase, onPostgres } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const NOW = '2026-06-30T12:00:00.000Z'
const cleanups: (() => unknown)[] = []
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup()
})

/** Where one seeded data set lives: a data folder, and on PostgreSQL a fresh database of its own (DATABASE_URL). */
interface Place {
  dir: string
  url?: string
}

async function newPlace(): Promise<Place> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-seed-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  if (!onPostgres) return { dir }
  const database = await createTestDatabase()
  cleanups.push(() => database.drop())
  return { dir, url: database.url }
}

/** The seeded database, read with SQL written once for both dialects (counts CAST to integer: PostgreSQL's are bigint). */
interface Reader {
  all<T>(query: string): Promise<T[]>
  one<T>(query: string): Promise<T>
  close(): Promise<void>
}

function reader(place: Place): Reader {
  if (place.url) {
    const sql = new SQL(place.url, { max: 1 })
    return {
      all: async (query) => [...(await sql.unsafe(query))],
      one: async (query) => (await sql.unsafe(query))[0],
      close: () => sql.close(),
    }
  }
  const sqlite = new Database(join(place.dir, 'kiosk.db'), { readonly: true })
  return {
    all: async <T>(query: string) => sqlite.query<T, []>(query).all(),
    one: async <T>(query: string) => sqlite.query<T, []>(query).get()!,
    close: async () => sqlite.close(),
  }
}

async function seed(args: string[], place?: Place) {
  place ??= await newPlace()
  const lines: string[] = []
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: place.dir,
    JWT_SECRET: 'x'.repeat(32),
    STORE_CURRENCY: 'EUR',
    ...(place.url ? { DATABASE_URL: place.url } : {}),
  })
  const errors: string[] = []
  const originalError = console.error
  console.error = (line: string) => errors.push(line)
  try {
    const code = await seedCommand(config, args, { clock: new ManualClock(new Date(NOW)), progress: silentProgress, log: (line) => lines.push(line) })
    return { code, lines, errors, place, db: () => reader(place) }
  } finally {
    console.error = originalError
  }
}

/** Rows of products with a search document: the FTS5 table on SQLite, the generated tsvector on PostgreSQL. */
const SEARCHABLE = onPostgres
  ? "SELECT CAST(count(*) AS integer) AS n FROM products WHERE search <> ''::tsvector"
  : 'SELECT CAST(count(*) AS integer) AS n FROM products_fts'

describe('kiosk seed --demo', () => {
  test('fills the catalog, the accounts and the order history it was asked for', async () => {
    const { code, lines, db } = await seed(['--demo', '--products', '200', '--users', '12', '--orders', '300', '--months', '3', '--password', 'demo-password'])
    expect(code).toBe(0)
    const database = db()
    expect((await database.one<{ n: number }>('SELECT CAST(count(*) AS integer) AS n FROM products')).n).toBe(200)
    expect((await database.one<{ n: number }>("SELECT CAST(count(*) AS integer) AS n FROM users WHERE role = 'user'")).n).toBe(12)
    expect((await database.one<{ n: number }>('SELECT CAST(count(*) AS integer) AS n FROM orders')).n).toBeGreaterThan(250)
    expect((await database.one<{ n: number }>(SEARCHABLE)).n).toBe(200)
    const admin = await database.one<{ role: string; password_hash: string }>("SELECT role, password_hash FROM users WHERE email = 'admin@kiosk.local'")
    expect(admin.role).toBe('admin')
    expect(await Bun.password.verify('demo-password', admin.password_hash)).toBe(true)
    expect(lines.join('\n')).toContain('admin@kiosk.local, password: demo-password')
    await database.close()
  })

  test('writes orders whose totals, lines, currency, history and times agree', async () => {
    const { db } = await seed(['--demo', '--products', '100', '--users', '10', '--orders', '400', '--months', '2'])
    const database = db()
    const start = Date.parse(NOW) - 2 * 30 * 86_400_000
    const orders = await database.all<{ id: string; status: string; total_cents: number; currency: string; created_at: string; updated_at: string }>('SELECT * FROM orders')
    const statuses = new Set(orders.map((o) => o.status))
    for (const status of ['pending', 'paid', 'shipped', 'delivered', 'cancelled']) expect(statuses.has(status)).toBe(true)
    const next: Record<string, string[]> = { pending: ['paid', 'cancelled'], paid: ['shipped', 'cancelled'], shipped: ['delivered'] }
    for (const order of orders) {
      expect(order.currency).toBe('EUR')
      expect(Date.parse(order.created_at)).toBeGreaterThanOrEqual(start)
      expect(Date.parse(order.updated_at)).toBeLessThanOrEqual(Date.parse(NOW))
      const lines = await database.all<{ unit_price_cents: number; quantity: number; line_total_cents: number; position: number }>(`SELECT * FROM order_items WHERE order_id = '${order.id}' ORDER BY position`)
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.every((line) => line.line_total_cents === line.unit_price_cents * line.quantity)).toBe(true)
      expect(order.total_cents).toBe(lines.reduce((sum, line) => sum + line.line_total_cents, 0))
      const events = await database.all<{ from_status: string | null; to_status: string; at: string }>(`SELECT * FROM order_events WHERE order_id = '${order.id}' ORDER BY id`)
      expect(events[0]).toMatchObject({ from_status: null, to_status: 'pending', at: order.created_at })
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.from_status).toBe(events[i - 1]!.to_status)
        expect(next[events[i - 1]!.to_status]).toContain(events[i]!.to_status)
        expect(events[i]!.at >= events[i - 1]!.at).toBe(true)
      }
      expect(events[events.length - 1]!.to_status).toBe(order.status)
      expect(events[events.length - 1]!.at).toBe(order.updated_at)
    }
    await database.close()
  })

  test('keeps stock consistent: initial stock = stock left + what non-cancelled orders took', async () => {
    const args = ['--demo', '--products', '80', '--users', '5', '--months', '1', '--seed', '7']
    const withoutOrders = (await seed([...args, '--orders', '0'])).db()
    const withOrders = (await seed([...args, '--orders', '600'])).db()
    const initial = new Map((await withoutOrders.all<{ sku: string; stock: number }>('SELECT sku, stock FROM products')).map((p) => [p.sku, p.stock]))
    const taken = await withOrders.all<{ sku: string; stock: number; taken: number }>(`SELECT p.sku, p.stock, CAST(coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.product_id = p.id AND o.status <> 'cancelled'), 0) AS integer) AS taken FROM products p`)
    expect(taken.length).toBe(80)
    expect(taken.some((p) => p.taken > 0)).toBe(true)
    for (const product of taken) {
      expect(product.stock).toBeGreaterThanOrEqual(0)
      expect(product.stock + product.taken).toBe(initial.get(product.sku)!)
    }
    await withoutOrders.close()
    await withOrders.close()
  })

  test('refuses a catalog that has products, and with --force adds alongside them, changing nothing', async () => {
    const first = await seed(['--demo', '--products', '20', '--users', '2', '--orders', '10'])
    const database = first.db()
    const before = await database.all<{ id: string; sku: string; stock: number }>('SELECT id, sku, stock FROM products ORDER BY id')
    await database.close()

    const refused = await seed(['--demo', '--products', '20'], first.place)
    expect(refused.code).toBe(1)
    expect(refused.errors.join('\n')).toContain('already has 20 products')
    const afterRefusal = first.db()
    expect((await afterRefusal.one<{ n: number }>('SELECT CAST(count(*) AS integer) AS n FROM products')).n).toBe(20)
    await afterRefusal.close()

    const forced = await seed(['--demo', '--products', '20', '--users', '2', '--orders', '10', '--force'], first.place)
    expect(forced.code).toBe(0)
    expect(forced.lines.join('\n')).toContain('admin@kiosk.local already existed')
    const after = forced.db()
    expect((await after.one<{ n: number }>('SELECT CAST(count(*) AS integer) AS n FROM products')).n).toBe(40)
    expect((await after.one<{ n: number }>("SELECT CAST(count(*) AS integer) AS n FROM users WHERE role = 'user'")).n).toBe(4)
    const kept = await after.all<{ id: string; sku: string; stock: number }>(`SELECT id, sku, stock FROM products WHERE id IN (${before.map((p) => `'${p.id}'`).join(',')}) ORDER BY id`)
    expect(kept.map((p) => p.sku)).toEqual(before.map((p) => p.sku))
    await after.close()
  })

  // The twin stores write the same data: one --seed, seeded once on each dialect, reads back identical (ids aside).
  test.skipIf(!onPostgres)('on PostgreSQL, a --seed writes the very rows it writes on SQLite', async () => {
    const args = ['--demo', '--products', '150', '--users', '8', '--orders', '500', '--months', '2', '--seed', '11', '--password', 'same-password']
    const sqliteDir = mkdtempSync(join(tmpdir(), 'kiosk-seed-'))
    cleanups.push(() => rmSync(sqliteDir, { recursive: true, force: true }))
    const onSqlite = await seed(args, { dir: sqliteDir })
    const onPg = await seed(args)
    expect([onSqlite.code, onPg.code]).toEqual([0, 0])
    const queries = [
      'SELECT sku, name, description, category, price_cents, stock, CAST(active AS integer) AS active, created_at FROM products ORDER BY sku',
      'SELECT email, name, role, CAST(active AS integer) AS active, created_at FROM users ORDER BY email',
      `SELECT u.email, o.status, o.total_cents, o.currency, o.note, o.created_at, o.updated_at
         FROM orders o JOIN users u ON u.id = o.user_id ORDER BY o.created_at, u.email`,
      `SELECT o.created_at, i.position, i.sku, i.name, i.unit_price_cents, i.quantity, i.line_total_cents
         FROM order_items i JOIN orders o ON o.id = i.order_id ORDER BY o.created_at, i.position`,
      `SELECT o.created_at, e.from_status, e.to_status, e.at, CAST(e.by = o.user_id AS integer) AS by_customer
         FROM order_events e JOIN orders o ON o.id = e.order_id ORDER BY o.created_at, e.id`,
    ]
    const [a, b] = [onSqlite.db(), onPg.db()]
    for (const query of queries) {
      const rows = await a.all(query)
      expect(rows.length).toBeGreaterThan(0)
      expect(await b.all(query)).toEqual(rows)
    }
    await a.close()
    await b.close()
  })

  test('rejects bad arguments with exit code 2 and touches nothing', async () => {
    for (const args of [[], ['--products', '5'], ['--demo', '--products', '-1'], ['--demo', '--months', '0'], ['--demo', '--bogus'], ['--demo', '--password', 'short']]) {
      const result = await seed(args)
      expect(result.code).toBe(2)
    }
  })
})
