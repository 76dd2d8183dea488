import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentProgress } from '../../src/cli/progress.ts'
import { seedCommand } from '../../src/cli/seed.ts'
import { loadConfig } from '../../src/config.ts'
import { ManualClock } from '../../src/lib/clock.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const NOW = '2026-06-30T12:00:00.000Z'
const folders: string[] = []
afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

async function seed(args: string[], dir = mkdtempSync(join(tmpdir(), 'kiosk-seed-'))) {
  folders.push(dir)
  const lines: string[] = []
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32), STORE_CURRENCY: 'EUR' })
  const errors: string[] = []
  const originalError = console.error
  console.error = (line: string) => errors.push(line)
  try {
    const code = await seedCommand(config, args, { clock: new ManualClock(new Date(NOW)), progress: silentProgress, log: (line) => lines.push(line) })
    return { code, lines, errors, dir, db: () => new Database(join(dir, 'kiosk.db'), { readonly: true }) }
  } finally {
    console.error = originalError
  }
}

const all = <T>(db: Database, sql: string) => db.query<T, []>(sql).all()
const one = <T>(db: Database, sql: string) => db.query<T, []>(sql).get()!

describe('kiosk seed --demo', () => {
  test('fills the catalog, the accounts and the order history it was asked for', async () => {
    const { code, lines, db } = await seed(['--demo', '--products', '200', '--users', '12', '--orders', '300', '--months', '3', '--password', 'demo-password'])
    expect(code).toBe(0)
    const database = db()
    expect(one<{ n: number }>(database, 'SELECT count(*) AS n FROM products').n).toBe(200)
    expect(one<{ n: number }>(database, "SELECT count(*) AS n FROM users WHERE role = 'user'").n).toBe(12)
    expect(one<{ n: number }>(database, 'SELECT count(*) AS n FROM orders').n).toBeGreaterThan(250)
    expect(one<{ n: number }>(database, 'SELECT count(*) AS n FROM products_fts').n).toBe(200)
    const admin = one<{ role: string; password_hash: string }>(database, "SELECT role, password_hash FROM users WHERE email = 'admin@kiosk.local'")
    expect(admin.role).toBe('admin')
    expect(await Bun.password.verify('demo-password', admin.password_hash)).toBe(true)
    expect(lines.join('\n')).toContain('admin@kiosk.local, password: demo-password')
    database.close()
  })

  test('writes orders whose totals, lines, currency, history and times agree', async () => {
    const { db } = await seed(['--demo', '--products', '100', '--users', '10', '--orders', '400', '--months', '2'])
    const database = db()
    const start = Date.parse(NOW) - 2 * 30 * 86_400_000
    const orders = all<{ id: string; status: string; total_cents: number; currency: string; created_at: string; updated_at: string }>(
      database,
      'SELECT * FROM orders',
    )
    const statuses = new Set(orders.map((o) => o.status))
    for (const status of ['pending', 'paid', 'shipped', 'delivered', 'cancelled']) expect(statuses.has(status)).toBe(true)
    const next: Record<string, string[]> = { pending: ['paid', 'cancelled'], paid: ['shipped', 'cancelled'], shipped: ['delivered'] }
    for (const order of orders) {
      expect(order.currency).toBe('EUR')
      expect(Date.parse(order.created_at)).toBeGreaterThanOrEqual(start)
      expect(Date.parse(order.updated_at)).toBeLessThanOrEqual(Date.parse(NOW))
      const lines = all<{ unit_price_cents: number; quantity: number; line_total_cents: number; position: number }>(
        database,
        `SELECT * FROM order_items WHERE order_id = '${order.id}' ORDER BY position`,
      )
      expect(lines.length).toBeGreaterThan(0)
      expect(lines.every((line) => line.line_total_cents === line.unit_price_cents * line.quantity)).toBe(true)
      expect(order.total_cents).toBe(lines.reduce((sum, line) => sum + line.line_total_cents, 0))
      const events = all<{ from_status: string | null; to_status: string; at: string }>(database, `SELECT * FROM order_events WHERE order_id = '${order.id}' ORDER BY id`)
      expect(events[0]).toMatchObject({ from_status: null, to_status: 'pending', at: order.created_at })
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.from_status).toBe(events[i - 1]!.to_status)
        expect(next[events[i - 1]!.to_status]).toContain(events[i]!.to_status)
        expect(events[i]!.at >= events[i - 1]!.at).toBe(true)
      }
      expect(events[events.length - 1]!.to_status).toBe(order.status)
      expect(events[events.length - 1]!.at).toBe(order.updated_at)
    }
    database.close()
  })

  test('keeps stock consistent: initial stock = stock left + what non-cancelled orders took', async () => {
    const args = ['--demo', '--products', '80', '--users', '5', '--months', '1', '--seed', '7']
    const withoutOrders = (await seed([...args, '--orders', '0'])).db()
    const withOrders = (await seed([...args, '--orders', '600'])).db()
    const initial = new Map(all<{ sku: string; stock: number }>(withoutOrders, 'SELECT sku, stock FROM products').map((p) => [p.sku, p.stock]))
    const taken = all<{ sku: string; stock: number; taken: number }>(
      withOrders,
      `SELECT p.sku, p.stock, coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.product_id = p.id AND o.status <> 'cancelled'), 0) AS taken FROM products p`,
    )
    expect(taken.length).toBe(80)
    expect(taken.some((p) => p.taken > 0)).toBe(true)
    for (const product of taken) {
      expect(product.stock).toBeGreaterThanOrEqual(0)
      expect(product.stock + product.taken).toBe(initial.get(product.sku)!)
    }
    withoutOrders.close()
    withOrders.close()
  })

  test('refuses a catalog that has products, and with --force adds alongside them, changing nothing', async () => {
    const first = await seed(['--demo', '--products', '20', '--users', '2', '--orders', '10'])
    const database = first.db()
    const before = all<{ id: string; sku: string; stock: number }>(database, 'SELECT id, sku, stock FROM products ORDER BY id')
    database.close()

    const refused = await seed(['--demo', '--products', '20'], first.dir)
    expect(refused.code).toBe(1)
    expect(refused.errors.join('\n')).toContain('already has 20 products')
    const afterRefusal = first.db()
    expect(one<{ n: number }>(afterRefusal, 'SELECT count(*) AS n FROM products').n).toBe(20)
    afterRefusal.close()

    const forced = await seed(['--demo', '--products', '20', '--users', '2', '--orders', '10', '--force'], first.dir)
    expect(forced.code).toBe(0)
    expect(forced.lines.join('\n')).toContain('admin@kiosk.local already existed')
    const after = forced.db()
    expect(one<{ n: number }>(after, 'SELECT count(*) AS n FROM products').n).toBe(40)
    expect(one<{ n: number }>(after, "SELECT count(*) AS n FROM users WHERE role = 'user'").n).toBe(4)
    const kept = all<{ id: string; sku: string; stock: number }>(after, `SELECT id, sku, stock FROM products WHERE id IN (${before.map((p) => `'${p.id}'`).join(',')}) ORDER BY id`)
    expect(kept.map((p) => p.sku)).toEqual(before.map((p) => p.sku))
    after.close()
  })

  test('rejects bad arguments with exit code 2 and touches nothing', async () => {
    for (const args of [[], ['--products', '5'], ['--demo', '--products', '-1'], ['--demo', '--months', '0'], ['--demo', '--bogus'], ['--demo', '--password', 'short']]) {
      const result = await seed(args)
      expect(result.code).toBe(2)
    }
  })
})
