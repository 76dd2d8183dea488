import type { ReportRange } from './range.ts'
import type { OrderLineRow } from './store.ts'

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

/** One batch of order lines after `after` (the last row of the previous batch), in CSV order. */
export type OrderLineBatches = (range: ReportRange, limit: number, after?: OrderLineRow) => Promise<OrderLineRow[]>

const encoder = new TextEncoder()

/** Rows per batch: one batch is ~2-3 ms of synchronous SQLite and string work, the longest another request waits. */
export const CSV_BATCH_ROWS = 500

/** Resolves in a later event-loop turn, after pending I/O (other requests) has had its turn. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * The CSV of every order line placed in the range, one batch per pull. Between batches it yields
 * to the event loop: Bun's server pulls the next chunk as soon as the socket takes the last one,
 * in microtasks, so without a real yield one export ran batch after batch and held every other
 * request (a cached read's p99 went to 3.2 s) until it ended.
 */
export function ordersCsvStream(batches: OrderLineBatches, range: ReportRange, batchSize = CSV_BATCH_ROWS): ReadableStream<Uint8Array> {
  let last: OrderLineRow | undefined
  let headerSent = false
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = ''
        if (!headerSent) {
          chunk = csvRow(ORDER_LINE_COLUMNS)
          headerSent = true
        } else {
          await nextTurn()
        }
        const rows = await batches(range, batchSize, last)
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
