import { orderEvents, orderItems, orders, type OrderStatus } from '../../../src/db/schema.ts'
import type { TestApp } from '../../helpers.ts'

/*
 * Fixtures for report tests: products and orders inserted straight into the database (the
 * orders and catalog APIs are not what these tests are about), with the rows returned so a
 * test can compute the expected figures on its own.
 */

import type { ProductFixture } from '../../helpers.ts'
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
      position: index + 1,
    }
  })
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0)
  const steps: OrderStatus[] =
    options.status === 'cancelled' ? ['pending', 'cancelled'] : PATH.slice(0, PATH.indexOf(options.status) + 1)
  t.ctx.sqlite.transaction(() => {
    t.ctx.db
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
    t.ctx.db
      .insert(orderItems)
      .values(lines.map((line) => ({ orderId: id, ...line })))
      .run()
    t.ctx.db
      .insert(orderEvents)
      .values(
        steps.map((to, index) => ({ orderId: id, fromStatus: index ? steps[index - 1]! : null, toStatus: to, at: options.createdAt, by: options.userId })),
      )
      .run()
  })()
  return { id, userId: options.userId, status: options.status, createdAt: options.createdAt, totalCents, lines }
}
