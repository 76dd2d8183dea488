import { orderStatuses } from '../../db/schema.ts'
import type { Summary } from './model.ts'
import { datesOf, type ReportRange } from './range.ts'
import { summarySpans, type SummarySpans } from './spans.ts'
import { REVENUE_STATUSES, type MaybePromise, type SummaryQueries } from './store.ts'


export const TOP_PRODUCTS = 10
export const LOW_STOCK_LIMIT = 100


/** One part of the summary: a name (its Server-Timing entry) and the work. */
type Part<T> = (queries: SummaryQueries, range: ReportRange, lowStockThreshold: number, spans: SummarySpans) => MaybePromise<T>

/** `shape(value)` now when the value is here (SQLite), when it arrives otherwise (PostgreSQL). */
const then = <T, U>(value: MaybePromise<T>, shape: (value: T) => U): MaybePromise<U> =>
  value instanceof Promise ? value.then(shape) : shape(value)

const ordersPart: Part<Pick<Summary, 'orders' | 'revenue_cents' | 'average_order_cents'>> = (q, _range, _threshold, spans) =>
  then(q.byStatus(spans), (rows) => {
    const by_status = Object.fromEntries(orderStatuses.map((status) => [status, 0])) as Summary['orders']['by_status']
    let count = 0
    let revenue = 0
    let revenueOrders = 0
    for (const row of rows) {
      by_status[row.status] = row.count
      count += row.count
      if ((REVENUE_STATUSES as readonly string[]).includes(row.status)) {
        revenue += row.total
        revenueOrders += row.count
      }
    }
    return {
      orders: { count, by_status },
      revenue_cents: revenue,
      average_order_cents: revenueOrders ? Math.round(revenue / revenueOrders) : 0,
    }
  })

const topProductsPart: Part<Summary['top_products']> = (q, _range, _threshold, spans) => q.topProducts(spans, TOP_PRODUCTS)

const salesByDayPart: Part<Summary['sales_by_day']> = (q, range, _threshold, spans) =>
  then(q.salesByDay(spans), (rows) => {
    const found = new Map(rows.map((row) => [row.date, row]))
    return datesOf(range).map((date) => found.get(date) ?? { date, orders: 0, revenue_cents: 0 })
  })

const lowStockPart: Part<Summary['low_stock']> = (q, _range, threshold) => q.lowStock(threshold, LOW_STOCK_LIMIT)

const customersPart: Part<Summary['customers']> = (q, range) =>
  then(q.customers(range.start, range.end), (row) => ({ total: row.total, new: row.new }))

/** The parts by name; the names are the Server-Timing entries. */
export const SUMMARY_PARTS = {
  orders: ordersPart,
  top_products: topProductsPart,
  sales_by_day: salesByDayPart,
  low_stock: lowStockPart,
  customers: customersPart,
}
export type PartName = keyof typeof SUMMARY_PARTS
type PartResult<N extends PartName> = Awaited<ReturnType<(typeof SUMMARY_PARTS)[N]>>

export type TimingSink = (part: string, ms: number) => void

/**
 * Computes the summary's parts as independent async units joined with Promise.all.
 *
 * What concurrency buys here: bun:sqlite is synchronous, so on one thread the units run one
 * after another whatever the syntax; Promise.all buys independence (each part timed, failing or
 * moved on its own), not wall time. Measured (bench/report-summary.ts, 400k orders, 366 days,
 * ~4.5 s of queries): a read-only second connection on the same thread changes nothing (and the
 * event loop still stalls for the whole 4.5 s); 2 or 5 Workers with their own connections cut
 * wall time by 0-40% on this 2-core machine (noisy) but take the core the server needs. What
 * does win is one worker thread (summary-runner.ts): the same wall time, and the longest event
 * loop stall falls from ~4.5 s to ~5 ms, so other requests keep flowing while a report runs.
 * On PostgreSQL the parts are asynchronous queries on one transaction's connection: the server
 * works, this event loop only waits. (Those 4.5 s were the raw scans; the parts now read the daily
 * rollups, spans.ts: a 12-month summary at 1M orders takes ~0.15-0.25 s, the worker still keeps
 * it off the event loop.)
 */
export async function computeSummary(
  queries: SummaryQueries,
  range: ReportRange,
  lowStockThreshold: number,
  onTiming: TimingSink = () => {},
): Promise<Summary> {
  const spans = summarySpans(range)
  const run = async <N extends PartName>(name: N): Promise<PartResult<N>> => {
    const started = performance.now()
    try {
      const result = SUMMARY_PARTS[name](queries, range, lowStockThreshold, spans) as MaybePromise<PartResult<N>>
      // A synchronous part (SQLite) is not awaited: it is timed before the next part starts, so its time is its own work.
      return result instanceof Promise ? await result : result
    } finally {
      onTiming(name, performance.now() - started)
    }
  }
  const [orders, top_products, sales_by_day, low_stock, customers] = await Promise.all([
    run('orders'),
    run('top_products'),
    run('sales_by_day'),
    run('low_stock'),
    run('customers'),
  ])
  return { from: range.from, to: range.to, ...orders, top_products, sales_by_day, low_stock, customers }
}
