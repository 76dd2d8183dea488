import type { Database } from 'bun:sqlite'
import type { RawRow } from '../../../db/rows.ts'
import type { orderEvents, orderItems, orders, OrderStatus } from '../../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import type { OrderView } from '../model.ts'

type OrderRow = RawRow<typeof orders>
type ItemRow = Omit<RawRow<typeof orderItems>, 'position'>
type EventRow = Omit<RawRow<typeof orderEvents>, 'id'>

export interface OrderFilter {
  userId?: string
  status?: OrderStatus
  /** Inclusive ISO bounds on created_at. */
  from?: string
  to?: string
  limit: number
  cursor?: string
}

const ITEM_COLUMNS = 'order_id, product_id, sku, name, unit_price_cents, quantity, line_total_cents'
const EVENT_COLUMNS = 'order_id, from_status, to_status, at, by'

/** Reads orders with their lines and history: one query each for a single order, three for a page. */
export function createOrderReader(sqlite: Database) {
  const selectOrder = sqlite.prepare<OrderRow, [string]>('SELECT * FROM orders WHERE id = ?')
  const selectItems = sqlite.prepare<ItemRow, [string]>(`SELECT ${ITEM_COLUMNS} FROM order_items WHERE order_id = ? ORDER BY position`)
  const selectEvents = sqlite.prepare<EventRow, [string]>(`SELECT ${EVENT_COLUMNS} FROM order_events WHERE order_id = ? ORDER BY id`)

  const view = (row: OrderRow, items: ItemRow[], events: EventRow[]): OrderView => ({
    id: row.id,
    user_id: row.user_id,
    status: row.status,
    items: items.map(({ order_id: _, ...line }) => line),
    total_cents: row.total_cents,
    currency: row.currency,
    note: row.note,
    history: events.map((e) => ({ from: e.from_status, to: e.to_status, at: e.at, by: e.by })),
    created_at: row.created_at,
    updated_at: row.updated_at,
  })

  function one(id: string): OrderView | undefined {
    const row = selectOrder.get(id)
    return row ? view(row, selectItems.all(id), selectEvents.all(id)) : undefined
  }

  function list(filter: OrderFilter) {
    const { sql, params } = orderListQuery(filter)
    const rows = sqlite.query<OrderRow, (string | number)[]>(sql).all(...params)
    const page = rows.slice(0, filter.limit)
    const ids = page.map((row) => row.id)
    const marks = ids.map(() => '?').join(',')
    const group = <T extends { order_id: string }>(all: T[]) => {
      const byOrder = new Map<string, T[]>()
      for (const item of all) byOrder.set(item.order_id, [...(byOrder.get(item.order_id) ?? []), item])
      return byOrder
    }
    const items = ids.length ? group(sqlite.query<ItemRow, string[]>(`SELECT ${ITEM_COLUMNS} FROM order_items WHERE order_id IN (${marks}) ORDER BY order_id, position`).all(...ids)) : new Map()
    const events = ids.length ? group(sqlite.query<EventRow, string[]>(`SELECT ${EVENT_COLUMNS} FROM order_events WHERE order_id IN (${marks}) ORDER BY id`).all(...ids)) : new Map()
    const last = page.at(-1)
    return {
      items: page.map((row) => view(row, items.get(row.id) ?? [], events.get(row.id) ?? [])),
      next_cursor: rows.length > filter.limit && last ? encodeCursor([last.created_at, last.id]) : null,
    }
  }

  return { one, list }
}

/** The page query of GET /orders (one row more than the page, to know whether another follows). */
export function orderListQuery(filter: OrderFilter): { sql: string; params: (string | number)[] } {
  const where: string[] = []
  const params: (string | number)[] = []
  if (filter.userId) where.push('user_id = ?'), params.push(filter.userId)
  if (filter.status) where.push('status = ?'), params.push(filter.status)
  if (filter.from) where.push('created_at >= ?'), params.push(filter.from)
  if (filter.to) where.push('created_at <= ?'), params.push(filter.to)
  if (filter.cursor) {
    const [createdAt, id] = decodeCursor(filter.cursor, ['string', 'string']) as [string, string]
    where.push('(created_at < ? OR (created_at = ? AND id < ?))')
    params.push(createdAt, createdAt, id)
  }
  const sql = `SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`
  return { sql, params: [...params, filter.limit + 1] }
}
