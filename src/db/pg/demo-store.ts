import type { SQL } from 'bun'
import type { DemoOrderRow, DemoProductRow, DemoStore, DemoUser } from '../demo-rows.ts'

/*
 * The PostgreSQL twin of src/db/demo-store.ts: each batch is one transaction of a few INSERT …
 * SELECT FROM unnest(arrays) statements, so the statement text is the same for every batch and a
 * batch of any size stays far from PostgreSQL's 65,535 bound parameters.
 */

const column = <T, V>(rows: T[], pick: (row: T) => V) => rows.map(pick)

async function insertUserRows(tx: SQL, batch: DemoUser[]): Promise<number> {
  // ON CONFLICT DO NOTHING: SQLite's INSERT OR IGNORE (an existing id or email keeps its row).
  const inserted = await tx`
    INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
    SELECT id, email, name, password_hash, role, true, 0, at, at
    FROM unnest(${column(batch, (u) => u.id)}::text[], ${column(batch, (u) => u.email)}::text[], ${column(batch, (u) => u.name)}::text[],
                ${column(batch, (u) => u.passwordHash)}::text[], ${column(batch, (u) => u.role)}::text[], ${column(batch, (u) => u.at)}::text[])
      AS u(id, email, name, password_hash, role, at)
    ON CONFLICT DO NOTHING
    RETURNING id`
  return inserted.length
}

async function insertOrderRows(tx: SQL, batch: DemoOrderRow[]) {
  await tx`
    INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
    SELECT * FROM unnest(${column(batch, (o) => o.id)}::text[], ${column(batch, (o) => o.userId)}::text[], ${column(batch, (o) => o.status)}::text[],
                         ${column(batch, (o) => o.totalCents)}::int[], ${column(batch, (o) => o.currency)}::text[], ${column(batch, (o) => o.note)}::text[],
                         ${column(batch, (o) => o.createdAt)}::text[], ${column(batch, (o) => o.updatedAt)}::text[])`
  const lines = batch.flatMap((order) => order.lines.map((line, position) => ({ orderId: order.id, position, ...line })))
  await tx`
    INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
    SELECT order_id, position, product_id, sku, name, unit_price_cents, quantity, unit_price_cents * quantity
    FROM unnest(${column(lines, (l) => l.orderId)}::text[], ${column(lines, (l) => l.position)}::int[], ${column(lines, (l) => l.productId)}::text[],
                ${column(lines, (l) => l.sku)}::text[], ${column(lines, (l) => l.name)}::text[], ${column(lines, (l) => l.unitPriceCents)}::int[],
                ${column(lines, (l) => l.quantity)}::int[])
      AS l(order_id, position, product_id, sku, name, unit_price_cents, quantity)`
  const events = batch.flatMap((order) => order.events.map((event) => ({ orderId: order.id, ...event })))
  // Ordered by ordinality: order_events.id (bigserial) must follow each order's history, as on SQLite.
  await tx`
    INSERT INTO order_events (order_id, from_status, to_status, at, by)
    SELECT order_id, from_status, to_status, at, by
    FROM unnest(${column(events, (e) => e.orderId)}::text[], ${column(events, (e) => e.from)}::text[], ${column(events, (e) => e.to)}::text[],
                ${column(events, (e) => e.at)}::text[], ${column(events, (e) => e.by)}::text[])
      WITH ORDINALITY AS e(order_id, from_status, to_status, at, by, n)
    ORDER BY n`
}

// `active` travels as text and is cast in SQL: postgres.js (the fallback driver) binds a boolean
// array so that `::boolean[]` is refused, as the catalog's search found.
async function insertProductRows(tx: SQL, batch: DemoProductRow[]) {
  await tx`
    INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
    SELECT id, sku, name, description, category, price_cents, stock, active::boolean, at, at
    FROM unnest(${column(batch, (p) => p.id)}::text[], ${column(batch, (p) => p.sku)}::text[], ${column(batch, (p) => p.name)}::text[],
                ${column(batch, (p) => p.description)}::text[], ${column(batch, (p) => p.category)}::text[], ${column(batch, (p) => p.priceCents)}::int[],
                ${column(batch, (p) => p.stock)}::int[], ${column(batch, (p) => String(p.active))}::text[], ${column(batch, (p) => p.at)}::text[])
      AS p(id, sku, name, description, category, price_cents, stock, active, at)`
}

export function createPostgresDemoStore(sql: SQL): DemoStore {
  return {
    async countProducts() {
      const [row] = await sql`SELECT count(*)::int AS n FROM products`
      return row.n as number
    },
    async insertUserIfNew(account) {
      return (await insertUserRows(sql, [account])) === 1
    },
    async userIdByEmail(email) {
      const [row] = await sql`SELECT id FROM users WHERE email = ${email}`
      return row?.id as string | undefined
    },
    async countDemoCustomers() {
      const [row] = await sql`SELECT count(*)::int AS n FROM users WHERE email ILIKE 'customer%@kiosk.local'`
      return row.n as number
    },
    async activeCustomers() {
      // (created_at, id): SQLite reads this through users_created_id_idx, so ties fall to the id there too.
      const rows: { id: string; created_at: string }[] =
        await sql`SELECT id, created_at FROM users WHERE role = 'user' AND active ORDER BY created_at, id`
      return rows.map((row) => ({ id: row.id, createdAt: row.created_at }))
    },
    async insertUsers(batch) {
      await sql.begin((tx) => insertUserRows(tx, batch))
    },
    async insertProducts(batch) {
      await sql.begin((tx) => insertProductRows(tx, batch))
    },
    async insertOrders(batch) {
      await sql.begin((tx) => insertOrderRows(tx, batch))
    },
  }
}
