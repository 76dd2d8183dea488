import type { SQL } from 'bun'
import { hasNul, refuseNulText } from '../../../db/pg/nul.ts'
import { createPgOutbox } from '../../../db/pg/outbox.ts'
import type { OrderStatus } from '../../../db/schema.ts'
import type { Clock } from '../../../lib/clock.ts'
import { ConflictError, NotFoundError } from '../../../lib/errors.ts'
import type { OrderView } from '../model.ts'
import { canTransition, restocks } from '../status-machine.ts'
import { createPgIdempotencyStore } from './idempotency.pg.ts'
import type { Actor, OrderStore, PlaceOrder, PlacedOrder } from './index.ts'
import { checkLines, draftOrder, replayEarlier, type OrderableProduct } from './order-draft.ts'
import { createPgOrderReader } from './reader.pg.ts'

/*
 * The orders' data access on PostgreSQL: the twin of index.ts, with the same answers. Each order
 * is its own transaction (concurrent transactions already share the server's WAL flushes, so
 * there is no group commit here). Locks are taken in one order everywhere, so two orders or
 * cancellations touching the same products never deadlock: the Idempotency-Key first, then the
 * order row (transitions), then products by ascending id.
 */

interface LockedOrder {
  status: OrderStatus
  user_id: string
  /** product_id and quantity per line, by ascending product id (the lock order). */
  lines: { product_id: string; quantity: number }[] | null
}

/**
 * Waits for statements already started with execute(), in order: they run pipelined on the
 * transaction's connection (one round trip). A failure rejects once every one has settled, so
 * none is still in flight when the transaction rolls back.
 */
async function all(queries: PromiseLike<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(queries)
  const failed = settled.find((outcome) => outcome.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value)
}

export function createPgOrderStore(sql: SQL, clock: Clock): OrderStore {
  const outbox = createPgOutbox(clock)
  const idempotency = createPgIdempotencyStore(clock)
  const reader = createPgOrderReader()

  async function place(tx: SQL, input: PlaceOrder): Promise<PlacedOrder> {
    const { user, items, note, idempotency: idempotent, currency } = input
    // PostgreSQL can't store a NUL (src/db/pg/nul.ts): refused before anything is claimed or locked.
    refuseNulText({ '/note': note })
    if (idempotent) {
      const claim = await idempotency.claim(tx, user.id, idempotent.key, idempotent.hash)
      if (!claim.claimed) return replayEarlier(claim, idempotent.hash)
    }

    // Locked in ascending id order (the sort runs below the row locks), read as committed after each lock.
    const ids = items.map((line) => line.product_id)
    // An id with a NUL names no product (and PostgreSQL could not bind it): that line is invalid below.
    const rows = await tx<OrderableProduct[]>`
      SELECT id, sku, name, price_cents, stock, active FROM products WHERE id = ANY(${ids.filter((id) => !hasNul(id))}::text[]) ORDER BY id FOR UPDATE`
    const byId = new Map(rows.map((row) => [row.id, row]))
    const products = checkLines(items, (id) => byId.get(id))
    const now = clock.now().toISOString()
    const orderId = Bun.randomUUIDv7()
    const { order, body, lines, lowStock } = draftOrder(input, products, orderId, now)
    const total = order.total_cents
    const column = <K extends keyof (typeof lines)[number]>(key: K) => lines.map((line) => line[key])
    const quantities = column('quantity')
    // Every write in one pipeline: one round trip. The stock update is still guarded (and its row
    // count checked below): the rows are locked, so it can only fall short if something is wrong.
    const [taken] = (await all([
      tx`UPDATE products SET stock = products.stock - l.quantity, updated_at = ${now}
         FROM unnest(${ids}::text[], ${quantities}::int[]) AS l(id, quantity)
         WHERE products.id = l.id AND products.stock >= l.quantity RETURNING products.id`.execute(),
      tx`INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
         VALUES (${orderId}, ${user.id}, 'pending', ${total}, ${currency}, ${note}, ${now}, ${now})`.execute(),
      tx`INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
         SELECT ${orderId}, l.position - 1, l.product_id, l.sku, l.name, l.unit_price_cents, l.quantity, l.line_total_cents
         FROM unnest(${ids}::text[], ${column('sku')}::text[], ${column('name')}::text[], ${column('unit_price_cents')}::int[],
                     ${quantities}::int[], ${column('line_total_cents')}::int[])
           WITH ORDINALITY AS l(product_id, sku, name, unit_price_cents, quantity, line_total_cents, position)`.execute(),
      tx`INSERT INTO order_events (order_id, from_status, to_status, at, by) VALUES (${orderId}, NULL, 'pending', ${now}, ${user.id})`.execute(),
      ...lowStock.map((data) => outbox.record(tx, 'product.low_stock', data).written),
      outbox.record(tx, 'order.created', order).written,
      ...(idempotent ? [idempotency.remember(tx, user.id, idempotent.key, body)] : []),
    ])) as [unknown[]]
    if (taken.length !== items.length) throw new ConflictError('The stock changed meanwhile; try again.')
    return { order, body, replayed: false, touched: products.map((product) => product.id) }
  }

  async function transition(tx: SQL, user: Actor, id: string, to: OrderStatus, options: { ownerMayAct: boolean }) {
    // The order row is locked first: racing changes queue here and each then sees the status the
    // previous one left, so their outcomes are those of the same changes one after another.
    const [order] = await tx<LockedOrder[]>`
      SELECT o.status, o.user_id,
        (SELECT json_agg(json_build_object('product_id', i.product_id, 'quantity', i.quantity) ORDER BY i.product_id)
           FROM order_items i WHERE i.order_id = o.id) AS lines
      FROM orders o WHERE o.id = ${id} FOR UPDATE OF o`
    const allowed = order && (user.role === 'admin' || (options.ownerMayAct && order.user_id === user.id))
    if (!order || !allowed) throw new NotFoundError('No such order.')
    if (!canTransition(order.status, to)) {
      throw new ConflictError(`An order cannot go from ${order.status} to ${to}.`, [{ path: '/status', message: `not allowed from ${order.status}` }])
    }
    const now = clock.now().toISOString()
    const restocked = restocks(to) ? (order.lines ?? []) : []
    const [, moved, , view] = (await all([
      // Products by ascending id, one statement each, so their locks come in the same order as placeOrder's;
      // and before the status update, whose trigger locks report rollup rows (migrations/pg/0004): a
      // placeOrder holding these products may be waiting for those rows, never the other way round.
      all(restocked.map((line) => tx`UPDATE products SET stock = stock + ${line.quantity}, updated_at = ${now} WHERE id = ${line.product_id}`.execute())),
      // Guarded by the status read above (the lock makes it hold; the guard states the contract).
      tx`UPDATE orders SET status = ${to}, updated_at = ${now} WHERE id = ${id} AND status = ${order.status} RETURNING id`.execute(),
      tx`INSERT INTO order_events (order_id, from_status, to_status, at, by) VALUES (${id}, ${order.status}, ${to}, ${now}, ${user.id})`.execute(),
      reader.one(tx, id),
    ])) as [unknown, unknown[], unknown, OrderView]
    if (moved.length !== 1) throw new ConflictError('The order changed meanwhile; try again.')
    await outbox.record(tx, 'order.status_changed', { order_id: id, from: order.status, to, order: view }).written
    return { order: view, touched: restocked.map((line) => line.product_id) }
  }

  return {
    // An id with a NUL names no order (src/db/pg/nul.ts).
    findOrder: async (id) => (hasNul(id) ? undefined : reader.one(sql, id)),
    listOrders: (filter) => reader.list(sql, filter),
    placeOrder: (input) => sql.begin((tx) => place(tx, input)),
    transitionOrder: async (user, id, to, options) => {
      if (hasNul(id)) throw new NotFoundError('No such order.')
      return sql.begin((tx) => transition(tx, user, id, to, options))
    },
    sweepIdempotencyKeys: () => idempotency.sweep(sql),
  }
}
