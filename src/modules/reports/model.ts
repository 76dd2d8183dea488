import { t } from 'elysia'
import { orderStatuses } from '../../db/schema.ts'
import { JsonInt, Timestamp } from '../../lib/schema.ts'
import { MAX_RANGE_DAYS, RANGE_VALUE_DESCRIPTION } from './range.ts'

const Cents = (description: string) => JsonInt({ minimum: 0, description })
const Count = (description: string) => JsonInt({ minimum: 0, description })

export const RangeQuery = t.Object({
  from: t.Optional(
    t.String({
      maxLength: 64,
      description: `First day or instant of the range, inclusive. ${RANGE_VALUE_DESCRIPTION}. Default: 30 days before \`to\``,
    }),
  ),
  to: t.Optional(
    t.String({
      maxLength: 64,
      description: `Last day (inclusive: the whole UTC day) or instant (inclusive) of the range. ${RANGE_VALUE_DESCRIPTION}. Default: the end of today (UTC). At most ${MAX_RANGE_DAYS} days after \`from\``,
    }),
  ),
})
export type RangeQuery = typeof RangeQuery.static

const byStatus = Object.fromEntries(orderStatuses.map((status) => [status, Count(`Orders now ${status}`)])) as Record<
  (typeof orderStatuses)[number],
  ReturnType<typeof Count>
>

export const Summary = t.Object(
  {
    from: t.String({ format: 'date-time', description: 'First instant of the range (inclusive), UTC' }),
    to: t.String({ format: 'date-time', description: 'Last instant of the range (inclusive), UTC' }),
    orders: t.Object(
      {
        count: Count('Orders placed in the range, any status'),
        by_status: t.Object(byStatus, { description: 'Orders placed in the range by their current status; every status is present' }),
      },
      { additionalProperties: false },
    ),
    revenue_cents: Cents('Sum of the totals of orders placed in the range that are paid, shipped or delivered'),
    average_order_cents: Cents('revenue_cents divided by the number of paid, shipped or delivered orders, rounded half up; 0 when none'),
    top_products: t.Array(
      t.Object(
        {
          product_id: t.String(),
          name: t.String({ description: "The product's current catalog name" }),
          quantity: Count('Units sold in paid, shipped or delivered orders'),
          revenue_cents: Cents('Sum of those line totals'),
        },
        { additionalProperties: false },
      ),
      { description: 'At most 10 products by revenue, then quantity, then id' },
    ),
    sales_by_day: t.Array(
      t.Object(
        {
          date: t.String({ format: 'date', description: 'A UTC date' }),
          orders: Count('Orders placed that day, any status'),
          revenue_cents: Cents('Revenue of that day (paid, shipped or delivered orders)'),
        },
        { additionalProperties: false },
      ),
      { description: 'Every UTC day the range touches, oldest first, zero on days without orders' },
    ),
    low_stock: t.Array(
      t.Object(
        { product_id: t.String(), sku: t.String(), name: t.String(), stock: Count('Units in stock now') },
        { additionalProperties: false },
      ),
      { description: 'Active products with stock at or under LOW_STOCK_THRESHOLD now (not range-bound): the 100 lowest, by stock then sku' },
    ),
    customers: t.Object(
      {
        total: Count('Accounts with role user registered by the end of the range (active or not)'),
        new: Count('Of those, the ones registered in the range'),
      },
      { additionalProperties: false },
    ),
  },
  { title: 'Summary', additionalProperties: false, description: 'The sales summary of the range' },
)
export type Summary = typeof Summary.static

export const SnapshotInfo = t.Object(
  {
    name: t.String({ description: 'File name; download it at /admin/reports/snapshots/{name}', examples: ['summary-2026-11-28T00-00-00-000Z.json'] }),
    size: JsonInt({ minimum: 0, description: 'Bytes' }),
    created_at: Timestamp,
  },
  { title: 'Snapshot', additionalProperties: false, description: 'A stored report snapshot' },
)
export type SnapshotInfo = typeof SnapshotInfo.static

export const SnapshotList = t.Object(
  { items: t.Array(SnapshotInfo, { description: 'Newest first; at most SNAPSHOT_KEEP' }) },
  { title: 'SnapshotList', additionalProperties: false, description: 'The stored snapshots' },
)

/** What a snapshot file holds. */
export const SnapshotDocument = t.Object(
  { name: t.String(), created_at: Timestamp, summary: Summary },
  { title: 'SnapshotDocument', additionalProperties: false, description: 'The snapshot file: the summary of the 30 days up to its creation' },
)
export type SnapshotDocument = typeof SnapshotDocument.static

export const SnapshotParams = t.Object({
  name: t.String({ description: 'A snapshot name as listed; anything else is 404' }),
})

export const OrdersCsv = t.String({
  contentMediaType: 'text/csv',
  description:
    'RFC 4180 CSV (UTF-8, CRLF), a header row then one row per order line, oldest order first. Cells starting with =, +, -, @ (or their fullwidth and small forms, also after leading whitespace), TAB or CR are prefixed with an apostrophe so spreadsheets show them as text',
})
