import type { AppContext } from '../../context.ts'
import type { OrderStatus } from '../../db/schema.ts'
import { cacheKeys, invalidate } from '../../lib/cache.ts'
import { NotFoundError } from '../../lib/errors.ts'
import { requestHash } from './idempotency.ts'
import type { OrderView } from './model.ts'
import type { Actor, OrderStore } from './store/index.ts'

export type { Actor } from './store/index.ts'

export interface NewOrder {
  items: { product_id: string; quantity: number }[]
  note?: string
}

export interface CreatedOrder {
  order: OrderView
  /** The order's JSON, ready to send (see PlacedOrder.body). */
  body: string
  /** True when an Idempotency-Key replayed an earlier response: nothing was created. */
  replayed: boolean
}

/**
 * Orders: creation (stock checked and taken for every line, or nothing), the status machine with
 * restocking, and the outbox events both write, each one transaction in the store. Cached
 * product reads are dropped after each commit that changed stock.
 */
export function createOrderService(store: OrderStore, ctx: Pick<AppContext, 'config' | 'cache'>) {
  const { config, cache } = ctx

  /** Cached product reads must never outlive a stock change: drop them after the commit. */
  const forgetProducts = (ids: Iterable<string>) => {
    for (const id of ids) invalidate(cache, cacheKeys.product(id))
  }

  async function create(user: Actor, input: NewOrder, idempotencyKey?: string): Promise<CreatedOrder> {
    const { order, body, replayed, touched } = await store.placeOrder({
      user,
      items: input.items,
      note: input.note ?? null,
      idempotency: idempotencyKey ? { key: idempotencyKey, hash: requestHash(input) } : undefined,
      currency: config.STORE_CURRENCY,
      lowStockThreshold: config.LOW_STOCK_THRESHOLD,
    })
    forgetProducts(touched)
    return { order, body, replayed }
  }

  /** The order if the caller may see it; anyone else learns nothing (404). */
  async function get(user: Actor, id: string): Promise<OrderView> {
    const order = await store.findOrder(id)
    if (!order || (user.role !== 'admin' && order.user_id !== user.id)) throw new NotFoundError('No such order.')
    return order
  }

  async function transition(user: Actor, id: string, to: OrderStatus, options: { ownerMayAct: boolean }): Promise<OrderView> {
    const { order, touched } = await store.transitionOrder(user, id, to, options)
    forgetProducts(touched)
    return order
  }

  return {
    create,
    get,
    list: store.listOrders,
    cancel: (user: Actor, id: string) => transition(user, id, 'cancelled', { ownerMayAct: true }),
    setStatus: (user: Actor, id: string, to: OrderStatus) => transition(user, id, to, { ownerMayAct: false }),
    sweepIdempotencyKeys: store.sweepIdempotencyKeys,
  }
}

export type OrderService = ReturnType<typeof createOrderService>
