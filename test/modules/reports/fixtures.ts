import { orderEvents, orderItems, orders, type OrderStatus } from '../../../src/db/schema.ts'
import type { TestApp } from '../../helpers.ts'

/*
 * Fixtures for report tests, with the rows returned so a test can compute the expected figures
 * on its own. placeOrder goes through the orders service, so a test sees exactly what production
 * writes; insertOrder writes rows straight into the database for states the API can't reach
 * (orders of inactive or out-of-stock products, stock left untouched), numbering lines as the
 * service does (position 0 first).
 */

import type { ProductFixture } from '../../helpers.ts'
import { sqliteOf, drizzleOf } from '../../helpers.ts'
export { insertProduct, type ProductFixture } from '../../helpers.ts'

export interface LineFixture {
  product: ProductFixture
  quantity: number
  unitPriceCents?: number
  /** The name captured on the line (defaults to the product's). */
  name?: string
}

export interface OrderFixture {
  id: string
  userId: string
  status: OrderStatus
  createdAt: string
  totalCents: number
  lines: { productId: string; sku: string; name: string; unitPriceCents: number; quantity: number; lineTotalCents: number; position: number }[]
}

const PATH: OrderStatus[] = ['pending', 'paid', 'shipped', 'delivered']

/** Inserts an order with its lines and a status history that ends in `status`. */
export function insertOrder(
  t: TestApp,
  options: { userId: string; status: OrderStatus; createdAt: string; lines: LineFixture[]; note?: string },
): OrderFixture {
  const id = Bun.randomUUIDv7()
  const lines = options.lines.map((line, index) => {
    const unitPriceCents = line.unitPriceCents ?? line.product.priceCents
    return {
      productId: line.product.id,
      sku: line.product.sku,
      name: line.name ?? line.product.name,
      unitPriceCents,
      quantity: line.quantity,
      lineTotalCents: unitPriceCents * line.quantity,
      position: index,
    }
  })
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0)
  const steps: OrderStatus[] =
    options.status === 'cancelled' ? ['pending', 'cancelled'] : PATH.slice(0, PATH.indexOf(options.status) + 1)
  sqliteOf(t).transaction(() => {
    drizzleOf(t)
      .insert(orders)
      .values({
        id,
        userId: options.userId,
        status: options.status,
        totalCents,
        currency: 'USD',
        note: options.note ?? null,
        createdAt: options.createdAt,
        updatedAt: options.createdAt,
      })
      .run()
    drizzleOf(t)
      .insert(orderItems)
      .values(lines.map((line) => ({ orderId: id, ...line })))
      .run()
    drizzleOf(t)
      .insert(orderEvents)
      .values(
        steps.map((to, index) => ({ orderId: id, fromStatus: index ? steps[index - 1]! : null, toStatus: to, at: options.createdAt, by: options.userId })),
      )
      .run()
  })()
  return { id, userId: options.userId, status: options.status, createdAt: options.createdAt, totalCents, lines }
}

/**
 * Places an order through the orders service at `createdAt` (the clock is moved there and back),
 * then walks it to `status` as an administrator would.
 */
export async function placeOrder(
  t: TestApp,
  options: { buyer: { id: string }; admin: { id: string }; status: OrderStatus; createdAt: string; lines: { product: ProductFixture; quantity: number }[] },
): Promise<OrderFixture> {
  const back = t.clock.now()
  t.clock.set(options.createdAt)
  try {
    const { order } = await t.services.orders.create(
      { id: options.buyer.id, role: 'user' },
      { items: options.lines.map((line) => ({ product_id: line.product.id, quantity: line.quantity })) },
    )
    const admin = { id: options.admin.id, role: 'admin' as const }
    const steps: OrderStatus[] = options.status === 'cancelled' ? ['cancelled'] : PATH.slice(1, PATH.indexOf(options.status) + 1)
    for (const to of steps) await t.services.orders.setStatus(admin, order.id, to)
    return {
      id: order.id,
      userId: order.user_id,
      status: options.status,
      createdAt: order.created_at,
      totalCents: order.total_cents,
      lines: order.items.map((line, position) => ({
        productId: line.product_id,
        sku: line.sku,
        name: line.name,
        unitPriceCents: line.unit_price_cents,
        quantity: line.quantity,
        lineTotalCents: line.line_total_cents,
        position,
      })),
    }
  } finally {
    t.clock.set(back)
  }
}
