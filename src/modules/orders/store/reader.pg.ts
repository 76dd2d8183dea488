import type { SQL } from 'bun'
import { checkCursorKey, hasNul } from '../../../db/pg/nul.ts'
import type { OrderStatus } from '../../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import type { OrderView } from '../model.ts'
import type { OrderFilter } from './reader.ts'

/*
 * The PostgreSQL twin of reader.ts. An order comes with its lines and history in one statement
 * (json_agg subqueries): one round trip and one snapshot, so a page never shows an order's status
 * without the history entry that led to it. Views are rebuilt key by key in the same order as on
 * SQLite, so their JSON is the same text.
 */

interface OrderViewRow {
  id: string
  user_id: string
  status: OrderStatus
  total_cents: number
  currency: string
  note: string | null
  created_at: string
  updated_at: string
  items: OrderView['items'] | null
  history: OrderView['history'] | null
}

const VIEW_COLUMNS = `o.id, o.user_id, o.status, o.total_cents, o.currency, o.note, o.created_at, o.updated_at,
  (SELECT json_agg(json_build_object('product_id', i.product_id, 'sku', i.sku, 'name', i.name, 'unit_price_cents', i.unit_price_cents,
     'quantity', i.quantity, 'line_total_cents', i.line_total_cents) ORDER BY i.position) FROM order_items i WHERE i.order_id = o.id) AS items,
  (SELECT json_agg(json_build_object('from', e.from_status, 'to', e.to_status, 'at', e.at, 'by', e.by) ORDER BY e.id)
     FROM order_events e WHERE e.order_id = o.id) AS history`

const view = (row: OrderViewRow): OrderView => ({
  id: row.id,
  user_id: row.user_id,
  status: row.status,
  items: (row.items ?? []).map((line) => ({
    product_id: line.product_id,
    sku: line.sku,
    name: line.name,
    unit_price_cents: line.unit_price_cents,
    quantity: line.quantity,
    line_total_cents: line.line_total_cents,
  })),
  total_cents: row.total_cents,
  currency: row.currency,
  note: row.note,
  history: (row.history ?? []).map((entry) => ({ from: entry.from, to: entry.to, at: entry.at, by: entry.by })),
  created_at: row.created_at,
  updated_at: row.updated_at,
})

/** Reads orders with their lines and history on `sql` (the pool, or a transaction to read its own writes). */
export function createPgOrderReader() {
  async function one(sql: SQL, id: string): Promise<OrderView | undefined> {
    // Hot path (GET /orders/{id}): static text, prepared once per connection.
    const [row] = await sql<OrderViewRow[]>`SELECT ${sql.unsafe(VIEW_COLUMNS)} FROM orders o WHERE o.id = ${id}`
    return row ? view(row) : undefined
  }

  async function list(sql: SQL, filter: OrderFilter) {
    // Decodes (and checks) the cursor first: a forged one is a 422 whatever the filters.
    const { text, params } = pgOrderListQuery(filter)
    // A user_id with a NUL matches no order (src/db/pg/nul.ts).
    if (hasNul(filter.userId)) return { items: [], next_cursor: null }
    const rows = await sql.unsafe<OrderViewRow[]>(text, params)
    const page = rows.slice(0, filter.limit)
    const last = page.at(-1)
    return {
      items: page.map(view),
      next_cursor: rows.length > filter.limit && last ? encodeCursor([last.created_at, last.id]) : null,
    }
  }

  return { one, list }
}

/**
 * The page query of GET /orders on PostgreSQL: the same filters, keyset and order as
 * orderListQuery (reader.ts), one row more than the page. Its text is one of 32 shapes (which
 * filters are present), each with `$n` parameters.
 */
export function pgOrderListQuery(filter: OrderFilter, columns = VIEW_COLUMNS): { text: string; params: (string | number)[] } {
  const where: string[] = []
  const params: (string | number)[] = []
  const bind = (value: string | number) => `$${params.push(value)}`
  if (filter.userId) where.push(`o.user_id = ${bind(filter.userId)}`)
  if (filter.status) where.push(`o.status = ${bind(filter.status)}`)
  if (filter.from) where.push(`o.created_at >= ${bind(filter.from)}`)
  if (filter.to) where.push(`o.created_at <= ${bind(filter.to)}`)
  if (filter.cursor) {
    const [createdAt, id] = decodeCursor(filter.cursor, ['string', 'string']) as [string, string]
    checkCursorKey([createdAt, id])
    // The keyset of orderListQuery's `created_at < ? OR (created_at = ? AND id < ?)` (both NOT NULL) as a
    // row comparison, which PostgreSQL makes an index condition: a deep page starts at its cursor.
    where.push(`(o.created_at, o.id) < (${bind(createdAt)}, ${bind(id)})`)
  }
  const text = `SELECT ${columns} FROM orders o ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at DESC, o.id DESC LIMIT ${bind(filter.limit + 1)}`
  return { text, params }
}
