import { sql } from 'drizzle-orm'
import type { OrderStatus } from '../../../src/db/schema.ts'
import type { TestApp } from '../../helpers.ts'

/*
 * Fixtures for report tests, with the rows returned so a test can compute the expected figures
 * on its own. placeOrder goes through the orders service, so a test sees exactly what production
 * writes; insertOrder writes rows straight into the database for states the API can't reach
 * (orders of inactive or out-of-stock products, stock left untouched), numbering lines as the
 * service does (position 0 first), with SQL both dialects run.
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

type OrderOptions = { userId: string; status: OrderStatus; createdAt: string; lines: LineFixture[]; note?: string }

/** Inserts an order with its lines and a status history that ends in `status`. */
export async function insertOrder(t: TestApp, options: OrderOptions): Promise<OrderFixture> {
  return (await insertOrders(t, [options]))[0]!
}

/** Rows per INSERT: well under either dialect's limit of bound values. */
const ROWS_PER_INSERT = 500

async function insertValues(t: TestApp, head: string, rows: unknown[][]) {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const tuples = rows.slice(i, i + ROWS_PER_INSERT).map((row) => sql`(${sql.join(row.map((value) => sql`${value}`), sql`, `)})`)
    await t.sql(sql`${sql.raw(head)} VALUES ${sql.join(tuples, sql`, `)}`)
  }
}

/** insertOrder for many orders at once: three multi-row INSERTs (orders first, for the foreign keys). */
export async function insertOrders(t: TestApp, list: OrderOptions[]): Promise<OrderFixture[]> {
  const fixtures = list.map((options): OrderFixture & { steps: OrderStatus[] } => {
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
    const steps: OrderStatus[] =
      options.status === 'cancelled' ? ['pending', 'cancelled'] : PATH.slice(0, PATH.indexOf(options.status) + 1)
    const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0)
    return { id: Bun.randomUUIDv7(), userId: options.userId, status: options.status, createdAt: options.createdAt, totalCents, lines, steps }
  })
  await insertValues(
    t,
    'INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)',
    fixtures.map((order, i) => [order.id, order.userId, order.status, order.totalCents, 'USD', list[i]!.note ?? null, order.createdAt, order.createdAt]),
  )
  await insertValues(
    t,
    'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)',
    fixtures.flatMap((order) =>
      order.lines.map((line) => [order.id, line.position, line.productId, line.sku, line.name, line.unitPriceCents, line.quantity, line.lineTotalCents]),
    ),
  )
  await insertValues(
    t,
    'INSERT INTO order_events (order_id, from_status, to_status, at, "by")',
    fixtures.flatMap((order) => order.steps.map((to, index) => [order.id, index ? order.steps[index - 1]! : null, to, order.createdAt, order.userId])),
  )
  return fixtures.map(({ steps: _, ...order }) => order)
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
