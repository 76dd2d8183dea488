import type { Database } from 'bun:sqlite'
import { createOutbox } from '../../../db/outbox.ts'
import type { RawRow } from '../../../db/rows.ts'
import type { OrderStatus, products, Role } from '../../../db/schema.ts'
import { createGroupCommit } from '../../../db/group-commit.ts'
import { immediateTransaction } from '../../../db/transaction.ts'
import type { Clock } from '../../../lib/clock.ts'
import { ConflictError, NotFoundError } from '../../../lib/errors.ts'
import type { OrderView } from '../model.ts'
import { canTransition, restocks } from '../status-machine.ts'
import { checkLines, draftOrder, replayEarlier } from './order-draft.ts'
import { createIdempotencyStore } from './idempotency.ts'
import { createOrderReader, type OrderFilter } from './reader.ts'

type OrderPage = ReturnType<ReturnType<typeof createOrderReader>['list']>

/*
 * The orders' data access: the only place their SQL lives. The interface is async; the SQLite
 * implementation is synchronous inside. transitionOrder is one IMMEDIATE transaction; placeOrder
 * is one SAVEPOINT in a transaction shared by the orders placed in the same event-loop turn
 * (group commit, src/db/group-commit.ts), so stock is checked and taken, or nothing is, per order,
 * and each order's promise settles after the shared COMMIT.
 */

/** Orders per shared transaction: at 100-200 µs each (measured in bench/order-batches.ts), a flush holds the event loop ~12 ms at most. */
export const ORDER_BATCH_MAX = 64

type ProductRow = Pick<RawRow<typeof products>, 'id' | 'sku' | 'name' | 'price_cents' | 'stock' | 'active'>

/** Who acts on an order (the authenticated caller). */
export interface Actor {
  id: string
  role: Role
}

export interface PlaceOrder {
  user: Actor
  items: { product_id: string; quantity: number }[]
  note: string | null
  /** Idempotency-Key and the hash of the request it came with. */
  idempotency?: { key: string; hash: string }
  currency: string
  lowStockThreshold: number
}

export interface PlacedOrder {
  order: OrderView
  /** The order's JSON as the 201 sends it (the remembered one on a replay): serialised once. */
  body: string
  /** True when an Idempotency-Key replayed an earlier response: nothing was created. */
  replayed: boolean
  /** Products whose stock changed (their cached reads must go). */
  touched: string[]
}

export interface OrderStore {
  findOrder(id: string): Promise<OrderView | undefined>
  listOrders(filter: OrderFilter): Promise<OrderPage>
  /**
   * One transaction: the idempotency replay, every line checked (a product at most once, active,
   * enough stock; 422/409 otherwise), stock taken with a guarded update, the order, its lines,
   * its first history entry, its outbox events and the remembered response written.
   */
  placeOrder(input: PlaceOrder): Promise<PlacedOrder>
  /**
   * One transaction: the status change guarded by the status it starts from (of racing changes
   * one wins, the others get 409), stock returned on a restocking change, history and outbox.
   */
  transitionOrder(user: Actor, id: string, to: OrderStatus, options: { ownerMayAct: boolean }): Promise<{ order: OrderView; touched: string[] }>
  /** Deletes expired Idempotency-Keys; returns how many. */
  sweepIdempotencyKeys(): Promise<number>
}

export function createOrderStore(sqlite: Database, clock: Clock): OrderStore {
  const outbox = createOutbox(sqlite, clock)
  const idempotency = createIdempotencyStore(sqlite, clock)
  const reader = createOrderReader(sqlite)

  // POST /orders and GET /orders/{id} are hot paths: every statement is prepared once.
  const selectProduct = sqlite.prepare<ProductRow, [string]>('SELECT id, sku, name, price_cents, stock, active FROM products WHERE id = ?')
  const takeStock = sqlite.prepare<void, [number, string, string, number]>(
    'UPDATE products SET stock = stock - ?1, updated_at = ?2 WHERE id = ?3 AND stock >= ?4',
  )
  const returnStock = sqlite.prepare<void, [number, string, string]>('UPDATE products SET stock = stock + ?1, updated_at = ?2 WHERE id = ?3')
  const insertOrder = sqlite.prepare<void, [string, string, number, string, string | null, string, string]>(
    "INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at) VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7)",
  )
  const insertItem = sqlite.prepare<void, [string, number, string, string, string, number, number, number]>(
    'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertEvent = sqlite.prepare<void, [string, OrderStatus | null, OrderStatus, string, string]>(
    'INSERT INTO order_events (order_id, from_status, to_status, at, by) VALUES (?, ?, ?, ?, ?)',
  )
  const moveStatus = sqlite.prepare<void, [OrderStatus, string, string, OrderStatus]>(
    'UPDATE orders SET status = ?1, updated_at = ?2 WHERE id = ?3 AND status = ?4',
  )

  function place(input: PlaceOrder): PlacedOrder {
    const { user, items, note, idempotency: idempotent, currency } = input
    if (idempotent) {
      const earlier = idempotency.find(user.id, idempotent.key)
      if (earlier) return replayEarlier(earlier, idempotent.hash)
    }
    const products = checkLines(items, (id) => selectProduct.get(id))
    const now = clock.now().toISOString()
    const orderId = Bun.randomUUIDv7()
    const { order, body, lines, lowStock } = draftOrder(input, products, orderId, now)
    for (const line of lines) takeStock.run(line.quantity, now, line.product_id, line.quantity)
    for (const data of lowStock) outbox.record('product.low_stock', data)
    insertOrder.run(orderId, user.id, order.total_cents, currency, note, now, now)
    lines.forEach((line, position) =>
      insertItem.run(orderId, position, line.product_id, line.sku, line.name, line.unit_price_cents, line.quantity, line.line_total_cents),
    )
    insertEvent.run(orderId, null, 'pending', now, user.id)
    outbox.record('order.created', order)
    if (idempotent) idempotency.remember(user.id, idempotent.key, idempotent.hash, 201, body)
    return { order, body, replayed: false, touched: products.map((product) => product.id) }
  }

  const placeInBatch = createGroupCommit(sqlite, place, { maxBatch: ORDER_BATCH_MAX })

  function transition(user: Actor, id: string, to: OrderStatus, options: { ownerMayAct: boolean }): string[] {
    const touched: string[] = []
    const order = reader.one(id)
    const allowed = order && (user.role === 'admin' || (options.ownerMayAct && order.user_id === user.id))
    if (!order || !allowed) throw new NotFoundError('No such order.')
    if (!canTransition(order.status, to)) {
      throw new ConflictError(`An order cannot go from ${order.status} to ${to}.`, [{ path: '/status', message: `not allowed from ${order.status}` }])
    }
    const now = clock.now().toISOString()
    // Guarded by the status read above: of two racing changes only one finds the order still in it.
    if (moveStatus.run(to, now, id, order.status).changes !== 1) throw new ConflictError('The order changed meanwhile; try again.')
    if (restocks(to)) {
      for (const line of order.items) {
        returnStock.run(line.quantity, now, line.product_id)
        touched.push(line.product_id)
      }
    }
    insertEvent.run(id, order.status, to, now, user.id)
    outbox.record('order.status_changed', { order_id: id, from: order.status, to, order: reader.one(id) })
    return touched
  }

  return {
    async findOrder(id) {
      return reader.one(id)
    },
    async listOrders(filter) {
      return reader.list(filter)
    },
    placeOrder: placeInBatch,
    async transitionOrder(user, id, to, options) {
      const touched = immediateTransaction(sqlite, () => transition(user, id, to, options))
      return { order: reader.one(id)!, touched }
    },
    async sweepIdempotencyKeys() {
      return idempotency.sweep()
    },
  }
}
