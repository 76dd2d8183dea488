/**
 * The summary on the daily rollups against the raw scan it replaced, on SQLite:
 * `bun bench/report-rollups.ts [orders=100000] [rounds=5] [rawRounds=rounds]`. The database (bench/report-data.ts's
 * shape: orders over the 365 days before 2026-12-01, 5,000 products, 50,000 customers) is seeded
 * before the rollup migrations, which are then applied and timed (the backfill an upgrade pays).
 * Per range, the raw and the rollup queries run alternately in one process; their summaries must
 * be identical (JSON) and the medians of `rounds` runs are printed, with the per-part times.
 */
import { existsSync } from 'node:fs'
import type { Database } from 'bun:sqlite'
import { openDatabase } from '../src/db/client.ts'
import { migrate } from '../src/db/migrate.ts'
import { migrations } from '../src/db/migrations.gen.ts'
import { parseRange } from '../src/modules/reports/range.ts'
import { REVENUE_STATUSES, prepareSummaryQueries, type StatusFigures, type SummaryQueries } from '../src/modules/reports/store.ts'
import type { Summary } from '../src/modules/reports/model.ts'
import { computeSummary } from '../src/modules/reports/summary.ts'
import { seed } from './report-data.ts'

const orders = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 5)
/** The raw scan at 1M orders takes ~25 s a run: fewer of them keep the run short (one is the identity check). */
const rawRounds = Number(process.argv[4] ?? rounds)
const path = `/tmp/kiosk-bench-rollups-${orders}.db`
const isRollup = (tag: string) => tag.includes('order_rollup')

if (!existsSync(path)) {
  const { sqlite, close } = openDatabase(path)
  migrate(sqlite, migrations.filter((m) => !isRollup(m.tag)))
  seed(sqlite, orders)
  const started = performance.now()
  migrate(sqlite)
  console.log(`rollup migrations (tables, triggers, backfill of ${orders} orders): ${Math.round(performance.now() - started)} ms`)
  close()
}

/** The summary's queries before the rollups (main at f1eb5e5): every part scans the range's orders. */
function rawQueries(sqlite: Database): SummaryQueries {
  const REVENUE_SQL = `(${REVENUE_STATUSES.map((status) => `'${status}'`).join(', ')})`
  const byStatus = sqlite.prepare<StatusFigures, [string, string]>(
    `SELECT status, COUNT(*) AS count, COALESCE(SUM(total_cents), 0) AS total
     FROM orders WHERE created_at >= ?1 AND created_at < ?2 GROUP BY status`,
  )
  const topProducts = sqlite.prepare<Summary['top_products'][number], [string, string, number]>(
    `SELECT i.product_id AS product_id, COALESCE(p.name, MAX(i.name)) AS name,
            SUM(i.quantity) AS quantity, SUM(i.line_total_cents) AS revenue_cents
     FROM orders o JOIN order_items i ON i.order_id = o.id LEFT JOIN products p ON p.id = i.product_id
     WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status IN ${REVENUE_SQL}
     GROUP BY i.product_id, p.name ORDER BY revenue_cents DESC, quantity DESC, i.product_id LIMIT ?3`,
  )
  const salesByDay = sqlite.prepare<Summary['sales_by_day'][number], [string, string]>(
    `SELECT substr(created_at, 1, 10) AS date, COUNT(*) AS orders,
            COALESCE(SUM(CASE WHEN status IN ${REVENUE_SQL} THEN total_cents END), 0) AS revenue_cents
     FROM orders WHERE created_at >= ?1 AND created_at < ?2 GROUP BY date ORDER BY date`,
  )
  const current = prepareSummaryQueries(sqlite)
  // spans.lowStart is always the range's start and spans.highEnd its end.
  return {
    byStatus: (s) => byStatus.all(s.lowStart, s.highEnd),
    topProducts: (s, limit) => topProducts.all(s.lowStart, s.highEnd, limit),
    salesByDay: (s) => salesByDay.all(s.lowStart, s.highEnd),
    lowStock: current.lowStock,
    customers: current.customers,
  }
}

const { sqlite } = openDatabase(path, { readonly: true })
const variants = { raw: rawQueries(sqlite), rollups: prepareSummaryQueries(sqlite) }
const now = new Date('2026-11-30T12:00:00.000Z')
const ranges = {
  '12 months, whole days': parseRange({ from: '2025-12-01', to: '2026-11-30' }, now),
  '12 months, instants': parseRange({ from: '2025-12-01T13:37:00.000Z', to: '2026-11-30T08:15:00.000Z' }, now),
  '366 days, mid-month edges': parseRange({ from: '2025-12-15T06:00:00Z', to: '2026-12-15T05:59:59.999Z' }, now),
  '30 days': parseRange({ from: '2026-11-01', to: '2026-11-30' }, now),
  'one day': parseRange({ from: '2026-11-12', to: '2026-11-12' }, now),
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (ms: number) => Math.round(ms * 10) / 10

console.log(`database: ${orders} orders; medians of ${rounds} runs (raw: ${rawRounds}), ms (raw = before, rollups = after)`)
for (const [label, range] of Object.entries(ranges)) {
  const times: Record<string, number[]> = { raw: [], rollups: [] }
  const parts: Record<string, Record<string, number[]>> = { raw: {}, rollups: {} }
  const results: Record<string, string> = {}
  for (let i = 0; i <= rounds; i++) {
    for (const [name, queries] of Object.entries(variants)) {
      if (name === 'raw' && i > rawRounds) continue
      sqlite.exec('BEGIN')
      const started = performance.now()
      const summary = await computeSummary(queries, range, 5, (part, ms) => (parts[name]![part] ??= []).push(ms))
      const ms = performance.now() - started
      sqlite.exec('COMMIT')
      if (i === 0) results[name] = JSON.stringify(summary) // the first run warms up; not timed
      else times[name]!.push(ms)
    }
  }
  if (results.raw !== results.rollups) throw new Error(`${label}: the summaries differ`)
  const partMedians = (name: string) => Object.fromEntries(Object.entries(parts[name]!).map(([part, ms]) => [part, round(median(ms.slice(1)))]))
  console.log(`\n${label} (${range.from} .. ${range.to}): identical summaries`)
  for (const name of ['raw', 'rollups']) console.log(`  ${name.padEnd(8)} ${String(round(median(times[name]!))).padStart(8)}  ${JSON.stringify(partMedians(name))}`)
}
const rows = (table: string) => sqlite.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n
console.log(`\nrollup rows: order_day_totals ${rows('order_day_totals')}, product_day_sales ${rows('product_day_sales')}, product_month_sales ${rows('product_month_sales')}`)
