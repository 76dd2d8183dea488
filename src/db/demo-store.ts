import type { Database } from 'bun:sqlite'
import type { DatabaseHandle } from './database.ts'
import type { DemoOrderRow, DemoProductRow, DemoStore, DemoUser } from './demo-rows.ts'
import { postgresDemoStore } from './pg/load.ts'
import { immediateTransaction } from './transaction.ts'

export type { DemoOrderRow, DemoProductRow, DemoStore, DemoUser } from './demo-rows.ts'

/*
 * Bulk writes of `kiosk seed --demo` (src/cli/demo-data.ts) on SQLite: history rows straight into
 * their tables, across modules, one IMMEDIATE transaction per batch. Nothing else writes this way.
 */

export function createDemoStore(sqlite: Database): DemoStore {
  const insertUser = sqlite.prepare<void, [string, string, string, string, string, string, string]>(
    `INSERT OR IGNORE INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?)`,
  )
  const insertProduct = sqlite.prepare<void, [string, string, string, string, string, number, number, number, string, string]>(
    `INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const insertOrder = sqlite.prepare<void, [string, string, string, number, string, string | null, string, string]>(
    'INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertItem = sqlite.prepare<void, [string, number, string, string, string, number, number, number]>(
    'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertEvent = sqlite.prepare<void, [string, string | null, string, string, string]>(
    'INSERT INTO order_events (order_id, from_status, to_status, at, by) VALUES (?, ?, ?, ?, ?)',
  )
  const user = (u: DemoUser) => insertUser.run(u.id, u.email, u.name, u.passwordHash, u.role, u.at, u.at).changes === 1

  return {
    async countProducts(): Promise<number> {
      return sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM products').get()!.n
    },
    /** Inserts the account unless its email exists; true when it was inserted. */
    async insertUserIfNew(account: DemoUser): Promise<boolean> {
      return immediateTransaction(sqlite, () => user(account))
    },
    async userIdByEmail(email: string): Promise<string | undefined> {
      return sqlite.query<{ id: string }, [string]>('SELECT id FROM users WHERE email = ?').get(email)?.id
    },
    async countDemoCustomers(): Promise<number> {
      return sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM users WHERE email LIKE 'customer%@kiosk.local'").get()!.n
    },
    /** Active customers, oldest first. */
    async activeCustomers(): Promise<{ id: string; createdAt: string }[]> {
      return sqlite
        .query<{ id: string; created_at: string }, []>("SELECT id, created_at FROM users WHERE role = 'user' AND active = 1 ORDER BY created_at")
        .all()
        .map((row) => ({ id: row.id, createdAt: row.created_at }))
    },
    async insertUsers(batch: DemoUser[]): Promise<void> {
      immediateTransaction(sqlite, () => batch.forEach(user))
    },
    async insertProducts(batch: DemoProductRow[]): Promise<void> {
      immediateTransaction(sqlite, () => {
        for (const p of batch) insertProduct.run(p.id, p.sku, p.name, p.description, p.category, p.priceCents, p.stock, p.active ? 1 : 0, p.at, p.at)
      })
    },
    async insertOrders(batch: DemoOrderRow[]): Promise<void> {
      immediateTransaction(sqlite, () => {
        for (const order of batch) {
          insertOrder.run(order.id, order.userId, order.status, order.totalCents, order.currency, order.note, order.createdAt, order.updatedAt)
          order.lines.forEach((line, position) =>
            insertItem.run(order.id, position, line.productId, line.sku, line.name, line.unitPriceCents, line.quantity, line.unitPriceCents * line.quantity),
          )
          for (const event of order.events) insertEvent.run(order.id, event.from, event.to, event.at, event.by)
        }
      })
    },
  }
}

/** The demo writer of the configured dialect. */
export function createDemoStoreFor(database: DatabaseHandle): DemoStore {
  return database.dialect === 'postgres' ? postgresDemoStore().createPostgresDemoStore(database.sql) : createDemoStore(database.sqlite)
}
