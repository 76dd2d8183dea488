import { t } from 'elysia'
import { Id, text, JsonInt, Page, PageQuery, Timestamp } from '../../lib/schema.ts'

export const MAX_LINES = 100
export const MAX_QUANTITY = 1000

export const OrderStatus = t.Union(
  [t.Literal('pending'), t.Literal('paid'), t.Literal('shipped'), t.Literal('delivered'), t.Literal('cancelled')],
  { description: 'pending → paid → shipped → delivered; pending or paid → cancelled' },
)

const OrderLineInput = t.Object(
  {
    product_id: t.String({ minLength: 1, maxLength: 100, description: 'A product id' }),
    quantity: JsonInt({ minimum: 1, maximum: MAX_QUANTITY, error: `must be an integer from 1 to ${MAX_QUANTITY}`, description: '1..1000' }),
  },
  { title: 'OrderLineInput' },
)

export const CreateOrderBody = t.Object({
  items: t.Array(OrderLineInput, {
    minItems: 1,
    maxItems: MAX_LINES,
    error: `must list 1 to ${MAX_LINES} lines`,
    description: '1..100 lines, each product at most once; prices come from the catalog',
  }),
  note: t.Optional(text(0, 1000, { description: 'Free text for the shop' })),
}, { title: 'OrderCreate' })

/** `Idempotency-Key`: 1..255 visible ASCII characters. */
export const CreateOrderHeaders = t.Object({
  'idempotency-key': t.Optional(
    t.String({
      pattern: '^[\\x21-\\x7E]{1,255}$',
      error: 'must be 1 to 255 visible ASCII characters',
      description: 'Repeat a request safely: the same key and body within 24 h replay the first 201',
    }),
  ),
})

export const OrderLine = t.Object(
  {
    product_id: Id,
    sku: t.String({ description: 'The sku when the order was placed' }),
    name: t.String({ description: 'The product name when the order was placed' }),
    unit_price_cents: JsonInt({ minimum: 0, description: 'Unit price when the order was placed' }),
    quantity: JsonInt({ minimum: 1 }),
    line_total_cents: JsonInt({ minimum: 0, description: 'unit_price_cents × quantity' }),
  },
  { title: 'OrderLine', additionalProperties: false, description: 'One line of an order: a snapshot of the product' },
)

export const HistoryEntry = t.Object(
  {
    from: t.Union([OrderStatus, t.Null()], { description: 'null for the creation' }),
    to: OrderStatus,
    at: Timestamp,
    by: Id,
  },
  { title: 'OrderHistoryEntry', additionalProperties: false, description: 'One status change' },
)

export const Order = t.Object(
  {
    id: Id,
    user_id: Id,
    status: OrderStatus,
    items: t.Array(OrderLine),
    total_cents: JsonInt({ minimum: 0, description: 'Sum of the line totals' }),
    currency: t.String({ description: 'ISO 4217, the store currency' }),
    note: t.Union([t.String(), t.Null()]),
    history: t.Array(HistoryEntry, { description: 'Every status change, oldest first' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Order', description: 'An order', additionalProperties: false },
)
export type OrderView = typeof Order.static

export const OrderPage = Page(Order, 'OrderPage', 'A page of orders, newest first')

const DateOrTime = t.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  error: 'must be an ISO 8601 date or date-time',
  description: 'ISO 8601 date (a `to` date includes that whole day) or date-time',
})

export const OrderListQuery = t.Object({
  ...PageQuery,
  status: t.Optional(OrderStatus),
  user_id: t.Optional(t.String({ maxLength: 100, description: 'Admins only (403 for others)' })),
  from: t.Optional(DateOrTime),
  to: t.Optional(DateOrTime),
})

export const OrderIdParams = t.Object({ id: Id })
export const UpdateOrderBody = t.Object({ status: OrderStatus }, { title: 'OrderStatusUpdate' })
