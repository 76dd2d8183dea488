/**
 * bench/report-rollups.ts on PostgreSQL: `bun bench/report-rollups-pg.ts [orders=100000] [rounds=3]`
 * (KIOSK_BENCH_POSTGRES_URL, default the test server's postgres://postgres@127.0.0.1:55432/postgres).
 * A database `kiosk_bench_rollups_<orders>` (kept for the next run; drop it to rebuild) is seeded in
 * SQL (the same shape: 5,000 products, 50,000 customers, 1-4 lines an order, over the 365 days
 * before 2026-12-01) before the rollup migrations, which are then applied and timed. Per range the
 * raw and the rollup queries run alternately; their summaries must be identical (JSON).
 */
import { SQL } from 'bun'
import { migratePostgres } from '../src/db/pg/migrate.ts'
import { migrations } from '../src/db/pg/migrations.gen.ts'
import type { Summary } from '../src/modules/reports/model.ts'
import { parseRange } from '../src/modules/reports/range.ts'
import { createPgReportsStore } from '../src/modules/reports/store.pg.ts'
import { REVENUE_STATUSES, type StatusFigures, type SummaryQueries } from '../src/modules/reports/store.ts'
import { computeSummary } from '../src/modules/reports/summary.ts'

const orders = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 3)
const server = process.env.KIOSK_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres'
const name = `kiosk_bench_rollups_${orders}`
const admin = new SQL(server)
const url = new URL(server)
url.pathname = `/${name}`
const isRollup = (tag: string) => tag.includes('order_rollup')

const [exists] = await admin`SELECT 1 AS one FROM pg_database WHERE datname = ${name}`
if (!exists) {
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const sql = new SQL(url.href)
  await migratePostgres(sql, migrations.filter((m) => !isRollup(m.tag)))
  const started = performance.now()
  const iso = (expr: string) => `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
  await sql.unsafe('SELECT setseed(0.42)')
  await sql.unsafe(`INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
    SELECT 'u' || lpad(g::text, 6, '0'), 'c' || g || '@bench.example', 'Customer', 'x', 'user', true, 0,
           ${iso("timestamptz '2025-06-01' + random() * interval '548 days'")}, '2025-06-01T00:00:00.000Z'
    FROM generate_series(1, 50000) g`)
  await sql.unsafe(`INSERT INTO products (id, sku, name, description, price_cents, stock, active, created_at, updated_at)
    SELECT 'p' || lpad(g::text, 5, '0'), 'BENCH-' || g, 'Bench product ' || g, '', 100 + floor(random() * 20000)::int,
           floor(random() * 200)::int, true, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'
    FROM generate_series(0, 4999) g`)
  await sql.unsafe(`INSERT INTO orders (id, user_id, status, total_cents, currency, created_at, updated_at)
    SELECT 'o' || lpad(g::text, 8, '0'), 'u' || lpad((1 + floor(random() * 50000))::text, 6, '0'),
           (ARRAY['pending', 'paid', 'paid', 'shipped', 'delivered', 'delivered', 'cancelled'])[1 + floor(random() * 7)::int], 0, 'USD', at, at
    FROM (SELECT g, ${iso("timestamptz '2025-12-01' + random() * interval '365 days'")} AS at FROM generate_series(1, ${orders}) g) o`)
  await sql.unsafe(`INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
    SELECT o.id, k, p.id, p.sku, p.name, p.price_cents, q, p.price_cents * q
    FROM (SELECT id, floor(random() * 5000)::int AS base, 1 + floor(random() * 4)::int AS lines FROM orders) o
    CROSS JOIN LATERAL generate_series(0, o.lines - 1) k
    CROSS JOIN LATERAL (SELECT 1 + floor(random() * 3)::int AS q) r
    JOIN products p ON p.id = 'p' || lpad(((o.base + k * 997) % 5000)::text, 5, '0')`)
  await sql.unsafe(`UPDATE orders o SET total_cents = t.total FROM (SELECT order_id, SUM(line_total_cents) AS total FROM order_items GROUP BY 1) t WHERE t.order_id = o.id`)
  await sql.unsafe('VACUUM ANALYZE')
  console.log(`seeded ${orders} orders in ${Math.round(performance.now() - started)} ms`)
  const migrating = performance.now()
  await migratePostgres(sql)
  await sql.unsafe('ANALYZE')
  console.log(`rollup migrations (tables, triggers, backfill of ${orders} orders): ${Math.round(performance.now() - migrating)} ms`)
  await sql.close()
}

const sql = new SQL(url.href)
const REVENUE = [...REVENUE_STATUSES]
/** The summary's queries before the rollups (main at f1eb5e5), on the given transaction. */
function rawQueries(tx: SQL, current: SummaryQueries): SummaryQueries {
  return {
    async byStatus(s) {
      const rows = await tx<{ status: StatusFigures['status']; count: number; total: string }[]>`
        SELECT status, COUNT(*)::int AS count, COALESCE(SUM(total_cents), 0)::bigint AS total
        FROM orders WHERE created_at >= ${s.lowStart} AND created_at < ${s.highEnd} GROUP BY status`
      return rows.map((row) => ({ status: row.status, count: row.count, total: Number(row.total) }))
    },
    async topProducts(s, limit) {
      const rows = await tx<{ product_id: string; name: string; quantity: string; revenue_cents: string }[]>`
        SELECT i.product_id AS product_id, COALESCE(p.name, MAX(i.name)) AS name,
               SUM(i.quantity)::bigint AS quantity, SUM(i.line_total_cents)::bigint AS revenue_cents
        FROM orders o JOIN order_items i ON i.order_id = o.id LEFT JOIN products p ON p.id = i.product_id
        WHERE o.created_at >= ${s.lowStart} AND o.created_at < ${s.highEnd} AND o.status IN ${tx(REVENUE)}
        GROUP BY i.product_id, p.name ORDER BY revenue_cents DESC, quantity DESC, i.product_id LIMIT ${limit}`
      return rows.map((row) => ({ ...row, quantity: Number(row.quantity), revenue_cents: Number(row.revenue_cents) }))
    },
    async salesByDay(s) {
      const rows = await tx<{ date: string; orders: number; revenue_cents: string }[]>`
        SELECT substr(created_at, 1, 10) AS date, COUNT(*)::int AS orders,
               COALESCE(SUM(CASE WHEN status IN ${tx(REVENUE)} THEN total_cents END), 0)::bigint AS revenue_cents
        FROM orders WHERE created_at >= ${s.lowStart} AND created_at < ${s.highEnd} GROUP BY 1 ORDER BY 1`
      return rows.map((row) => ({ date: row.date, orders: row.orders, revenue_cents: Number(row.revenue_cents) }))
    },
    lowStock: current.lowStock,
    customers: current.customers,
  }
}

const store = createPgReportsStore(sql)
const now = new Date('2026-11-30T12:00:00.000Z')
const ranges = {
  '12 months, whole days': parseRange({ from: '2025-12-01', to: '2026-11-30' }, now),
  '12 months, instants': parseRange({ from: '2025-12-01T13:37:00.000Z', to: '2026-11-30T08:15:00.000Z' }, now),
  '366 days, mid-month edges': parseRange({ from: '2025-12-15T06:00:00Z', to: '2026-12-15T05:59:59.999Z' }, now),
  '30 days': parseRange({ from: '2026-11-01', to: '2026-11-30' }, now),
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const round = (ms: number) => Math.round(ms * 10) / 10
console.log(`PostgreSQL, ${orders} orders; medians of ${rounds} runs, ms (raw = before, rollups = after)`)
for (const [label, range] of Object.entries(ranges)) {
  const times: Record<string, number[]> = { raw: [], rollups: [] }
  const results: Record<string, string> = {}
  for (let i = 0; i <= rounds; i++) {
    for (const variant of ['raw', 'rollups']) {
      const started = performance.now()
      const summary = await store.readSummary((queries) => computeSummary(variant === 'raw' ? rawQueries(sql, queries) : queries, range, 5))
      const ms = performance.now() - started
      if (i === 0) results[variant] = JSON.stringify(summary) // the first run warms up; not timed
      else times[variant]!.push(ms)
    }
  }
  if (results.raw !== results.rollups) throw new Error(`${label}: the summaries differ`)
  console.log(`${label}: identical summaries; raw ${round(median(times.raw!))}, rollups ${round(median(times.rollups!))}`)
}
await sql.close()
await admin.close()
