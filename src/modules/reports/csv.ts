import type { Database } from 'bun:sqlite'
import type { ReportRange } from './range.ts'

/*
 * RFC 4180 CSV, streamed. Cells are neutralised against formula injection (OWASP "CSV
 * injection"): a cell a spreadsheet would evaluate gets a leading apostrophe, so it shows as text.
 */

/**
 * A formula trigger, `= + - @` or the fullwidth and small forms spreadsheets also accept
 * (＝ U+FF1D, ﹦ U+FE66, ＋ U+FF0B, ﹢ U+FE62, － U+FF0D, ﹣ U+FE63, ＠ U+FF20, ﹫ U+FE6B), even after
 * leading whitespace (spreadsheets trim it before parsing); or a cell that starts with TAB or CR.
 */
const FORMULA_START = /^(?:[\s\u3000]*[=+\-@\uFF1D\uFE66\uFF0B\uFE62\uFF0D\uFE63\uFF20\uFE6B]|[\t\r])/
const NEEDS_QUOTES = /[",\r\n]/

/** One cell: neutralised, then quoted when it holds a quote, comma, CR or LF. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (FORMULA_START.test(text)) text = `'${text}`
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** One record, CRLF-terminated. */
export const csvRow = (cells: readonly (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`

export const ORDER_LINE_COLUMNS = [
  'order_id',
  'order_created_at',
  'order_status',
  'user_id',
  'user_email',
  'line',
  'product_id',
  'sku',
  'product_name',
  'unit_price_cents',
  'quantity',
  'line_total_cents',
  'order_total_cents',
  'currency',
] as const

interface OrderLineRow {
  order_id: string
  order_created_at: string
  order_status: string
  user_id: string
  user_email: string | null
  line: number
  product_id: string
  sku: string
  product_name: string
  unit_price_cents: number
  quantity: number
  line_total_cents: number
  order_total_cents: number
  currency: string
}

const SELECT_LINES = `
  SELECT o.id AS order_id, o.created_at AS order_created_at, o.status AS order_status, o.user_id AS user_id,
         u.email AS user_email, i.position AS line, i.product_id AS product_id, i.sku AS sku, i.name AS product_name,
         i.unit_price_cents AS unit_price_cents, i.quantity AS quantity, i.line_total_cents AS line_total_cents,
         o.total_cents AS order_total_cents, o.currency AS currency
  FROM orders o
  JOIN order_items i ON i.order_id = o.id
  LEFT JOIN users u ON u.id = o.user_id`

/**
 * Keyset pages over (created_at, order id, line position): each batch is a short statement that
 * seeks past the last row sent, so no read transaction stays open while a slow client downloads,
 * and memory holds one batch however many rows there are.
 */
export function prepareCsvQueries(sqlite: Database) {
  return {
    first: sqlite.prepare<OrderLineRow, [string, string, number]>(
      `${SELECT_LINES}
       WHERE o.created_at >= ?1 AND o.created_at < ?2
       ORDER BY o.created_at, o.id, i.position LIMIT ?3`,
    ),
    next: sqlite.prepare<OrderLineRow, [string, string, number, string, string, number]>(
      `${SELECT_LINES}
       WHERE o.created_at < ?2 AND o.created_at >= ?4
         AND (o.created_at, o.id, i.position) > (?4, ?5, ?6)
       ORDER BY o.created_at, o.id, i.position LIMIT ?3`,
    ),
  }
}

export type CsvQueries = ReturnType<typeof prepareCsvQueries>

const encoder = new TextEncoder()

/** The CSV of every order line placed in the range, one batch per pull. */
export function ordersCsvStream(queries: CsvQueries, range: ReportRange, batchSize = 1000): ReadableStream<Uint8Array> {
  let last: OrderLineRow | undefined
  let headerSent = false
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        let chunk = ''
        if (!headerSent) {
          chunk = csvRow(ORDER_LINE_COLUMNS)
          headerSent = true
        }
        const rows = last
          ? queries.next.all(range.start, range.end, batchSize, last.order_created_at, last.order_id, last.line)
          : queries.first.all(range.start, range.end, batchSize)
        for (const row of rows) chunk += csvRow(ORDER_LINE_COLUMNS.map((column) => row[column]))
        if (chunk) controller.enqueue(encoder.encode(chunk))
        last = rows.at(-1) ?? last
        if (rows.length < batchSize) controller.close()
      },
    },
    // One batch ahead at most: a slow client holds back the queries instead of filling memory.
    { highWaterMark: 1 },
  )
}
