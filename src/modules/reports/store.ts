import type { Database } from 'bun:sqlite'
import type { OrderStatus } from '../../db/schema.ts'
import type { Summary } from './model.ts'
import type { ReportRange } from './range.ts'
import type { SummarySpans } from './spans.ts'

/*
 * The reports' data access on SQLite: the only place their SQL lives (store.pg.ts is the
 * PostgreSQL twin). The summary's statements are prepared on whichever connection computes it
 * (the worker thread's read-only one, or the app's for an in-memory database); the CSV's batches
 * are read on the app's connection.
 */

/** Orders that count as sales: money has been taken and not given back. */
export const REVENUE_STATUSES = ['paid', 'shipped', 'delivered'] as const satisfies readonly OrderStatus[]
const REVENUE_SQL = `(${REVENUE_STATUSES.map((status) => `'${status}'`).join(', ')})`

/** A value now (SQLite's statements are synchronous) or later (PostgreSQL's are not). */
export type MaybePromise<T> = T | Promise<T>

export interface StatusFigures {
  status: OrderStatus
  count: number
  total: number
}

/**
 * The summary's queries, each one part over the half-open range `start <= created_at < end`,
 * independent of the others, read from the rollups for the whole days and from the orders for
 * the edges (spans.ts). On SQLite they answer at once, so a part's Server-Timing is its own work;
 * on PostgreSQL they answer when the server does.
 */
export interface SummaryQueries {
  byStatus(spans: SummarySpans): MaybePromise<StatusFigures[]>
  topProducts(spans: SummarySpans, limit: number): MaybePromise<Summary['top_products']>
  salesByDay(spans: SummarySpans): MaybePromise<Summary['sales_by_day']>
  lowStock(threshold: number, limit: number): MaybePromise<Summary['low_stock']>
  customers(start: string, end: string): MaybePromise<Summary['customers']>
}

/** The raw orders at the edges of a summary's range (?1..?4: spans' lowStart, lowEnd, highStart, highEnd). */
const EDGE_ORDERS = `(SELECT * FROM orders WHERE created_at >= ?1 AND created_at < ?2
   UNION ALL SELECT * FROM orders WHERE created_at >= ?3 AND created_at < ?4)`

/** The summary's statements, prepared once per database connection. */
export function prepareSummaryQueries(sqlite: Database): SummaryQueries {
  // ?5, ?6: spans' dayFrom, dayTo.
  const byStatus = sqlite.prepare<StatusFigures, [string, string, string, string, string, string]>(
    `SELECT status, SUM(orders) AS count, SUM(total) AS total FROM (
       SELECT status, orders, total_cents AS total FROM order_day_totals WHERE day >= ?5 AND day < ?6
       UNION ALL SELECT status, 1, total_cents FROM ${EDGE_ORDERS}
     ) GROUP BY status`,
  )
  // ?5..?8: the days of product_day_sales added, ?12..?15 those taken away (spans.ts); ?9, ?10:
  // monthFrom, monthTo; ?11: the limit. An order line's product always exists (order_items'
  // foreign key: a product with orders is archived, never deleted), so the name is the product's,
  // as the raw query's COALESCE gives it.
  const topProducts = sqlite.prepare<
    Summary['top_products'][number],
    [string, string, string, string, string, string, string, string, string, string, number, string, string, string, string]
  >(
    // Grouped first, the products joined to the ten rows left (not to every rollup row).
    `SELECT t.product_id AS product_id, COALESCE(p.name, (SELECT MAX(name) FROM order_items WHERE product_id = t.product_id)) AS name,
            t.quantity AS quantity, t.revenue_cents AS revenue_cents
     FROM (
       SELECT product_id, SUM(quantity) AS quantity, SUM(revenue_cents) AS revenue_cents FROM (
         SELECT product_id, quantity, revenue_cents FROM product_month_sales WHERE month >= ?9 AND month < ?10
         UNION ALL SELECT product_id, quantity, revenue_cents FROM product_day_sales WHERE day >= ?5 AND day < ?6
         UNION ALL SELECT product_id, quantity, revenue_cents FROM product_day_sales WHERE day >= ?7 AND day < ?8
         UNION ALL SELECT product_id, -quantity, -revenue_cents FROM product_day_sales WHERE day >= ?12 AND day < ?13
         UNION ALL SELECT product_id, -quantity, -revenue_cents FROM product_day_sales WHERE day >= ?14 AND day < ?15
         UNION ALL SELECT i.product_id, i.quantity, i.line_total_cents
           FROM ${EDGE_ORDERS} o JOIN order_items i ON i.order_id = o.id WHERE o.status IN ${REVENUE_SQL}
       )
       GROUP BY product_id
       HAVING SUM(quantity) > 0
       ORDER BY revenue_cents DESC, quantity DESC, product_id
       LIMIT ?11
     ) t
     LEFT JOIN products p ON p.id = t.product_id
     ORDER BY t.revenue_cents DESC, t.quantity DESC, t.product_id`,
  )
  const salesByDay = sqlite.prepare<Summary['sales_by_day'][number], [string, string, string, string, string, string]>(
    `SELECT day AS date, SUM(orders) AS orders, SUM(CASE WHEN status IN ${REVENUE_SQL} THEN total_cents ELSE 0 END) AS revenue_cents
     FROM order_day_totals WHERE day >= ?5 AND day < ?6 GROUP BY day
     UNION ALL
     SELECT substr(created_at, 1, 10), COUNT(*), COALESCE(SUM(CASE WHEN status IN ${REVENUE_SQL} THEN total_cents END), 0)
     FROM ${EDGE_ORDERS} GROUP BY 1
     ORDER BY date`,
  )
  const lowStock = sqlite.prepare<Summary['low_stock'][number], [number, number]>(
    `SELECT id AS product_id, sku, name, stock FROM products
     WHERE active = 1 AND stock <= ?1 ORDER BY stock, sku LIMIT ?2`,
  )
  const customers = sqlite.prepare<Summary['customers'], [string, string]>(
    `SELECT COUNT(*) AS total, COALESCE(SUM(created_at >= ?1), 0) AS new
     FROM users WHERE role = 'user' AND created_at < ?2`,
  )
  const edges = (s: SummarySpans) => [s.lowStart, s.lowEnd, s.highStart, s.highEnd] as const
  const twoSpans = (spans: [string, string][]) => {
    const [first = ['', ''], second = ['', '']] = spans
    return [...first, ...second] as [string, string, string, string]
  }
  return {
    byStatus: (s) => byStatus.all(...edges(s), s.dayFrom, s.dayTo),
    topProducts: (s, limit) => topProducts.all(...edges(s), ...twoSpans(s.salesDays), s.monthFrom, s.monthTo, limit, ...twoSpans(s.salesDaysOut)),
    salesByDay: (s) => salesByDay.all(...edges(s), s.dayFrom, s.dayTo),
    lowStock: (threshold, limit) => lowStock.all(threshold, limit),
    customers: (start, end) => customers.get(start, end)!,
  }
}

/**
 * Runs `read` in one read transaction, so every part of a summary sees the same snapshot. It
 * only reads (nothing to commit or lose), which is why it may span the parts' awaits.
 */
export async function inReadSnapshot<T>(sqlite: Database, read: () => Promise<T>): Promise<T> {
  sqlite.exec('BEGIN')
  try {
    return await read()
  } finally {
    sqlite.exec('COMMIT')
  }
}

export interface OrderLineRow {
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
         u.email AS user_email, i.position + 1 AS line, i.product_id AS product_id, i.sku AS sku, i.name AS product_name,
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
function prepareCsvQueries(sqlite: Database) {
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

export interface ReportsStore {
  /**
   * A database file a worker thread can open read-only to compute summaries off this event loop
   * (summary-runner.ts); undefined where readSummary computes them: an in-memory SQLite database,
   * which nothing else can open, or PostgreSQL, whose server does the work.
   */
  readonly summaryWorkerDatabase: string | undefined
  /** Runs `read` with the summary's queries, all of them on one snapshot of the database. */
  readSummary<T>(read: (queries: SummaryQueries) => Promise<T>): Promise<T>
  /** The next batch of order lines in the range, after `after` (CSV order: created_at, order id, line). */
  orderLines(range: ReportRange, limit: number, after?: OrderLineRow): Promise<OrderLineRow[]>
}

export function createReportsStore(sqlite: Database): ReportsStore {
  let summary: SummaryQueries | undefined
  const csv = prepareCsvQueries(sqlite)
  return {
    summaryWorkerDatabase: sqlite.filename === ':memory:' ? undefined : sqlite.filename,
    // No BEGIN on the app's connection: the statements are synchronous, so a summary's parts all
    // run in one turn of the event loop, and no write can come between them.
    readSummary: (read) => read((summary ??= prepareSummaryQueries(sqlite))),
    async orderLines(range, limit, after) {
      return after
        ? csv.next.all(range.start, range.end, limit, after.order_created_at, after.order_id, after.line - 1)
        : csv.first.all(range.start, range.end, limit)
    },
  }
}
