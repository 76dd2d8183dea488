import type { AppContext } from '../../context.ts'
import { createOutbox } from '../../db/outbox.ts'
import type { OrderStatus } from '../../db/schema.ts'
import { cacheKeys } from '../../lib/cache.ts'
import { ConflictError, InsufficientStockError, NotFoundError, ValidationFailedError, type FieldError } from '../../lib/errors.ts'
import type { CurrentUser } from '../../http/auth.ts'
import { createIdempotencyStore, requestHash } from './idempotency.ts'
import type { OrderView } from './model.ts'
import { createOrderReader } from './reader.ts'
import { canTransition, restocks } from './status-machine.ts'

export interface NewOrder {
  items: { product_id: string; quantity: number }[]
  note?: string
}

export interface CreatedOrder {
  order: OrderView
  /** True when an Idempotency-Key replayed an earlier response: nothing was created. */
  replayed: boolean
}

interface ProductRow {
  id: string
  sku: string
  name: string
  price_cents: number
  stock: number
  active: number
}

/**
 * Orders: creation in one transaction (stock checked and taken for every line, or nothing),
 * the status machine with restocking, and the outbox events both write. Statements are prepared
 * once here: POST /orders and GET /orders/{id} are hot paths.
 */
export function createOrderService(ctx: AppContext) {
  const { sqlite, clock, config, cache } = ctx
  const outbox = createOutbox(sqlite, clock)
  const idempotency = createIdempotencyStore(sqlite, clock)
  const reader = createOrderReader(sqlite)

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

  /** Cached product reads must never outlive a stock change: drop them after the commit. */
  const forgetProducts = (ids: Iterable<string>) => {
    for (const id of ids) cache.delete(cacheKeys.product(id))
  }

  function create(user: CurrentUser, input: NewOrder, idempotencyKey?: string): CreatedOrder {
    const hash = idempotencyKey ? requestHash(input) : undefined
    const touched: string[] = []
    const result = sqlite
      .transaction((): CreatedOrder => {
        if (idempotencyKey && hash) {
          const earlier = idempotency.find(user.id, idempotencyKey)
          if (earlier) {
            if (earlier.requestHash !== hash) {
              throw new ValidationFailedError('This Idempotency-Key was used with a different request body.', [
                { path: 'Idempotency-Key', message: 'reused with another body', in: 'headers' },
              ])
            }
            return { order: JSON.parse(earlier.responseBody) as OrderView, replayed: true }
          }
        }

        const seen = new Map<string, number>()
        const invalid: FieldError[] = []
        const products = input.items.map((line, index) => {
          if (seen.has(line.product_id)) {
            invalid.push({ path: `/items/${index}/product_id`, message: `the product is already on line ${seen.get(line.product_id)}` })
          }
          seen.set(line.product_id, index)
          const product = selectProduct.get(line.product_id)
          if (!product || product.active !== 1) invalid.push({ path: `/items/${index}/product_id`, message: 'no such active product' })
          return product
        })
        if (invalid.length) throw new ValidationFailedError('Some order lines are invalid.', invalid)

        const short: FieldError[] = []
        input.items.forEach((line, index) => {
          const product = products[index]!
          if (product.stock < line.quantity) {
            short.push({
              path: `/items/${index}/quantity`,
              message: 'not enough stock',
              product_id: product.id,
              requested: line.quantity,
              available: product.stock,
            })
          }
        })
        if (short.length) throw new InsufficientStockError('Not enough stock for some order lines.', short)

        const now = clock.now().toISOString()
        const orderId = Bun.randomUUIDv7()
        const lines = input.items.map((line, index) => {
          const product = products[index]!
          takeStock.run(line.quantity, now, product.id, line.quantity)
          touched.push(product.id)
          const after = product.stock - line.quantity
          if (product.stock > config.LOW_STOCK_THRESHOLD && after <= config.LOW_STOCK_THRESHOLD) {
            outbox.record('product.low_stock', {
              product_id: product.id,
              sku: product.sku,
              name: product.name,
              stock: after,
              threshold: config.LOW_STOCK_THRESHOLD,
            })
          }
          return {
            product_id: product.id,
            sku: product.sku,
            name: product.name,
            unit_price_cents: product.price_cents,
            quantity: line.quantity,
            line_total_cents: product.price_cents * line.quantity,
          }
        })
        const total = lines.reduce((sum, line) => sum + line.line_total_cents, 0)
        const note = input.note ?? null
        insertOrder.run(orderId, user.id, total, config.STORE_CURRENCY, note, now, now)
        lines.forEach((line, position) =>
          insertItem.run(orderId, position, line.product_id, line.sku, line.name, line.unit_price_cents, line.quantity, line.line_total_cents),
        )
        insertEvent.run(orderId, null, 'pending', now, user.id)
        const order: OrderView = {
          id: orderId,
          user_id: user.id,
          status: 'pending',
          items: lines,
          total_cents: total,
          currency: config.STORE_CURRENCY,
          note,
          history: [{ from: null, to: 'pending', at: now, by: user.id }],
          created_at: now,
          updated_at: now,
        }
        outbox.record('order.created', order)
        if (idempotencyKey && hash) idempotency.remember(user.id, idempotencyKey, hash, 201, JSON.stringify(order))
        return { order, replayed: false }
      })
      .immediate()
    forgetProducts(touched)
    return result
  }

  /** The order if the caller may see it; anyone else learns nothing (404). */
  function get(user: CurrentUser, id: string): OrderView {
    const order = reader.one(id)
    if (!order || (user.role !== 'admin' && order.user_id !== user.id)) throw new NotFoundError('No such order.')
    return order
  }

  function transition(user: CurrentUser, id: string, to: OrderStatus, options: { ownerMayAct: boolean }): OrderView {
    const touched: string[] = []
    sqlite
      .transaction(() => {
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
      })
      .immediate()
    forgetProducts(touched)
    return reader.one(id)!
  }

  return {
    create,
    get,
    list: reader.list,
    cancel: (user: CurrentUser, id: string) => transition(user, id, 'cancelled', { ownerMayAct: true }),
    setStatus: (user: CurrentUser, id: string, to: OrderStatus) => transition(user, id, to, { ownerMayAct: false }),
    sweepIdempotencyKeys: idempotency.sweep,
  }
}

export type OrderService = ReturnType<typeof createOrderService>
