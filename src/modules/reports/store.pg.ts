import type { SQL } from 'bun'
import type { Summary } from './model.ts'
import type { SummarySpans } from './spans.ts'
import { REVENUE_STATUSES, type OrderLineRow, type ReportsStore, type StatusFigures, type SummaryQueries } from './store.ts'

/*
 * The PostgreSQL twin of store.ts: the same queries and orders (text is COLLATE "C", so ties
 * break byte-wise as on SQLite). Counts and sums come back as bigint strings, hence the casts
 * and Number(). A summary is one REPEATABLE READ, READ ONLY transaction on the pool, so its
 * parts see one snapshot; no worker thread, the server does the work.
 */

const SNAPSHOT = 'ISOLATION LEVEL REPEATABLE READ READ ONLY'
const REVENUE = [...REVENUE_STATUSES]

function summaryQueries(tx: SQL): SummaryQueries {
  // The raw orders at the edges of the range (spans.ts), as a subquery.
  const edgeOrders = (s: SummarySpans) => tx`(
    SELECT * FROM orders WHERE created_at >= ${s.lowStart} AND created_at < ${s.lowEnd}
    UNION ALL SELECT * FROM orders WHERE created_at >= ${s.highStart} AND created_at < ${s.highEnd})`
  return {
    async byStatus(s) {
      const rows = await tx<{ status: StatusFigures['status']; count: number; total: string }[]>`
        SELECT status, SUM(orders)::int AS count, SUM(total)::bigint AS total FROM (
          SELECT status, orders, total_cents AS total FROM order_day_totals WHERE day >= ${s.dayFrom} AND day < ${s.dayTo}
          UNION ALL SELECT status, 1, total_cents FROM ${edgeOrders(s)} AS o
        ) AS t GROUP BY status`
      return rows.map((row) => ({ status: row.status, count: row.count, total: Number(row.total) }))
    },
    async topProducts(s, limit) {
      const [first = ['', ''], second = ['', '']] = s.salesDays
      const [firstOut = ['', ''], secondOut = ['', '']] = s.salesDaysOut
      // The name: as store.ts (an order line's product always exists); grouped first, then the ten rows named.
      const rows = await tx<{ product_id: string; name: string; quantity: string; revenue_cents: string }[]>`
        SELECT t.product_id AS product_id,
               COALESCE(p.name, (SELECT MAX(name) FROM order_items WHERE product_id = t.product_id)) AS name,
               t.quantity::bigint AS quantity, t.revenue_cents::bigint AS revenue_cents
        FROM (
          SELECT product_id, SUM(quantity) AS quantity, SUM(revenue_cents) AS revenue_cents FROM (
            SELECT product_id, quantity, revenue_cents FROM product_month_sales WHERE month >= ${s.monthFrom} AND month < ${s.monthTo}
            UNION ALL SELECT product_id, quantity, revenue_cents FROM product_day_sales WHERE day >= ${first[0]} AND day < ${first[1]}
            UNION ALL SELECT product_id, quantity, revenue_cents FROM product_day_sales WHERE day >= ${second[0]} AND day < ${second[1]}
            UNION ALL SELECT product_id, -quantity, -revenue_cents FROM product_day_sales WHERE day >= ${firstOut[0]} AND day < ${firstOut[1]}
            UNION ALL SELECT product_id, -quantity, -revenue_cents FROM product_day_sales WHERE day >= ${secondOut[0]} AND day < ${secondOut[1]}
            UNION ALL SELECT i.product_id, i.quantity, i.line_total_cents
              FROM ${edgeOrders(s)} AS o JOIN order_items i ON i.order_id = o.id WHERE o.status IN ${tx(REVENUE)}
          ) AS s
          GROUP BY product_id
          HAVING SUM(quantity) > 0
          ORDER BY revenue_cents DESC, quantity DESC, product_id
          LIMIT ${limit}
        ) AS t
        LEFT JOIN products p ON p.id = t.product_id
        ORDER BY t.revenue_cents DESC, t.quantity DESC, t.product_id`
      return rows.map((row) => ({ ...row, quantity: Number(row.quantity), revenue_cents: Number(row.revenue_cents) }))
    },
    async salesByDay(s) {
      const rows = await tx<{ date: string; orders: number; revenue_cents: string }[]>`
        SELECT day AS date, SUM(orders)::int AS orders,
               SUM(CASE WHEN status IN ${tx(REVENUE)} THEN total_cents ELSE 0 END)::bigint AS revenue_cents
        FROM order_day_totals WHERE day >= ${s.dayFrom} AND day < ${s.dayTo} GROUP BY day
        UNION ALL
        SELECT substr(created_at, 1, 10), COUNT(*)::int,
               COALESCE(SUM(CASE WHEN status IN ${tx(REVENUE)} THEN total_cents END), 0)::bigint
        FROM ${edgeOrders(s)} AS o GROUP BY 1
        ORDER BY 1`
      return rows.map((row) => ({ date: row.date, orders: row.orders, revenue_cents: Number(row.revenue_cents) }))
    },
    async lowStock(threshold, limit) {
      // A plain array, not the driver's result (which carries count, command, … besides the rows).
      return [
        ...(await tx<Summary['low_stock']>`
        SELECT id AS product_id, sku, name, stock FROM products
        WHERE active AND stock <= ${threshold} ORDER BY stock, sku LIMIT ${limit}`),
      ]
    },
    async customers(start, end) {
      const [row] = await tx<Summary['customers'][]>`
        SELECT COUNT(*)::int AS total, (COUNT(*) FILTER (WHERE created_at >= ${start}))::int AS new
        FROM users WHERE role = 'user' AND created_at < ${end}`
      return row!
    },
  }
}

/** The CSV's columns (as store.ts), for the first batch and the ones after it. */
const SELECT_LINES = `
    SELECT o.id AS order_id, o.created_at AS order_created_at, o.status AS order_status, o.user_id AS user_id,
           u.email AS user_email, i.position + 1 AS line, i.product_id AS product_id, i.sku AS sku, i.name AS product_name,
           i.unit_price_cents AS unit_price_cents, i.quantity AS quantity, i.line_total_cents AS line_total_cents,
           o.total_cents AS order_total_cents, o.currency AS currency
    FROM orders o
    JOIN order_items i ON i.order_id = o.id
    LEFT JOIN users u ON u.id = o.user_id`

export function createPgReportsStore(sql: SQL): ReportsStore {
  return {
    summaryWorkerDatabase: undefined,
    readSummary<T>(read: (queries: SummaryQueries) => Promise<T>) {
      return sql.begin(SNAPSHOT, (tx) => read(summaryQueries(tx))) as Promise<T>
    },
    // Keyset pages as on SQLite: each batch is one short statement, no transaction held open. The
    // seek is (created_at, id) >= on orders (an Index Cond on orders_created_idx) plus the line
    // position within the last order (ids are unique, so this is the 3-column row comparison): the
    // planner misjudges a 3-column comparison across the join and hashed all orders per batch
    // (215 ms a batch, a 60k-line export took 26 s; now ~5 ms a batch).
    async orderLines(range, limit, after) {
      if (!after) {
        return await sql<OrderLineRow[]>`${sql.unsafe(SELECT_LINES)}
          WHERE o.created_at >= ${range.start} AND o.created_at < ${range.end}
          ORDER BY o.created_at, o.id, i.position LIMIT ${limit}`
      }
      return await sql<OrderLineRow[]>`${sql.unsafe(SELECT_LINES)}
        WHERE o.created_at < ${range.end} AND (o.created_at, o.id) >= (${after.order_created_at}, ${after.order_id})
          AND (o.id <> ${after.order_id} OR i.position > ${after.line - 1})
        ORDER BY o.created_at, o.id, i.position LIMIT ${limit}`
    },
  }
}
