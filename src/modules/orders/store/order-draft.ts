import { InsufficientStockError, ValidationFailedError, type FieldError } from '../../../lib/errors.ts'
import type { OrderView } from '../model.ts'
import type { PlaceOrder, PlacedOrder } from './index.ts'

/*
 * What placing an order decides before anything is written, the same on both dialects: the
 * Idempotency-Key replay, the line checks (422, then 409 for stock) and the order as the 201 sends
 * it. The stores only read the products and write the result.
 */

/** The product columns an order line needs (`active` is SQLite's 0/1 or PostgreSQL's boolean). */
export interface OrderableProduct {
  id: string
  sku: string
  name: string
  price_cents: number
  stock: number
  active: number | boolean
}

/** The stored answer to an earlier request with this Idempotency-Key: replayed, or 422 when the body differs. */
export function replayEarlier(earlier: { requestHash: string; responseBody: string }, hash: string): PlacedOrder {
  if (earlier.requestHash !== hash) {
    throw new ValidationFailedError('This Idempotency-Key was used with a different request body.', [
      { path: 'Idempotency-Key', message: 'reused with another body', in: 'headers' },
    ])
  }
  return { order: JSON.parse(earlier.responseBody) as OrderView, body: earlier.responseBody, replayed: true, touched: [] }
}

/** The product of each line, checked: a product at most once and active (else 422), enough stock (else 409). */
export function checkLines<P extends OrderableProduct>(items: PlaceOrder['items'], productOf: (id: string) => P | undefined | null): P[] {
  const seen = new Map<string, number>()
  const invalid: FieldError[] = []
  const products = items.map((line, index) => {
    if (seen.has(line.product_id)) {
      invalid.push({ path: `/items/${index}/product_id`, message: `the product is already on line ${seen.get(line.product_id)}` })
    }
    seen.set(line.product_id, index)
    const product = productOf(line.product_id) ?? undefined
    if (!product || !product.active) invalid.push({ path: `/items/${index}/product_id`, message: 'no such active product' })
    return product
  })
  if (invalid.length) throw new ValidationFailedError('Some order lines are invalid.', invalid)

  const short: FieldError[] = []
  items.forEach((line, index) => {
    const product = products[index]!
    if (product.stock < line.quantity) {
      short.push({ path: `/items/${index}/quantity`, message: 'not enough stock', product_id: product.id, requested: line.quantity, available: product.stock })
    }
  })
  if (short.length) throw new InsufficientStockError('Not enough stock for some order lines.', short)
  return products as P[]
}

export interface LowStock {
  product_id: string
  sku: string
  name: string
  stock: number
  threshold: number
}

/** The new order from checked lines: its view (the 201's body), the serialised body, and the products it takes below the threshold. */
export function draftOrder(input: PlaceOrder, products: OrderableProduct[], orderId: string, now: string) {
  const { user, items, note, currency, lowStockThreshold } = input
  const lowStock: LowStock[] = []
  const lines = items.map((line, index) => {
    const product = products[index]!
    const after = product.stock - line.quantity
    if (product.stock > lowStockThreshold && after <= lowStockThreshold) {
      lowStock.push({ product_id: product.id, sku: product.sku, name: product.name, stock: after, threshold: lowStockThreshold })
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
  const order: OrderView = {
    id: orderId,
    user_id: user.id,
    status: 'pending',
    items: lines,
    total_cents: lines.reduce((sum, line) => sum + line.line_total_cents, 0),
    currency,
    note,
    history: [{ from: null, to: 'pending', at: now, by: user.id }],
    created_at: now,
    updated_at: now,
  }
  return { order, body: JSON.stringify(order), lines, lowStock }
}
