import { Elysia } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { exemptFromIdleTimeout } from '../../http/idle-timeout.ts'
import { problemResponses } from '../../http/problem.ts'
import { addTiming } from '../../http/request-state.ts'
import { OrdersCsv, RangeQuery, SnapshotDocument, SnapshotInfo, SnapshotList, SnapshotParams, Summary } from './model.ts'
import { ORDER_LINE_COLUMNS } from './csv.ts'
import type { ReportsService } from './service.ts'

const RANGE_RULES =
  'Default range: today (UTC) and the 29 days before it. A plain date covers that whole UTC day (`to=2026-03-31` includes all of March 31); a date-time must carry an offset. `from` must not be after `to`, and the range is at most 366 days; otherwise 422.'

/** Admin reports: the sales summary, the order-lines CSV and stored snapshots. Admins only. */
export const reportsModule = (services: { reports: ReportsService }, auth: ReturnType<typeof authPlugin>) => {
  const { reports } = services
  return new Elysia({ prefix: '/admin/reports', tags: ['Reports'] })
    .use(auth)
    .get('/summary', ({ query, request, server }) => {
      exemptFromIdleTimeout(server, request)
      return reports.summary(query, (part, ms) => addTiming(request, part, ms))
    }, {
      auth: 'admin',
      query: RangeQuery,
      response: { 200: Summary, ...problemResponses(401, 403, 422) },
      detail: {
        summary: 'Sales summary of a date range',
        description: `Order counts by status, revenue (orders now paid, shipped or delivered), average order, top 10 products by revenue, sales per day, active products at or under LOW_STOCK_THRESHOLD, and customers. ${RANGE_RULES} The parts are computed concurrently and each is timed in \`Server-Timing\` (orders, top_products, sales_by_day, low_stock, customers). A result is cached for 30 seconds per range. REQUEST_TIMEOUT does not apply: a long range on a large shop may take longer.`,
      },
    })
    .get(
      '/orders.csv',
      ({ query, set, server, request }) => {
        exemptFromIdleTimeout(server, request)
        const { range, stream } = reports.ordersCsv(query)
        set.headers['content-type'] = 'text/csv; charset=utf-8'
        set.headers['content-disposition'] =
          `attachment; filename="orders-${range.from.slice(0, 10)}-to-${range.to.slice(0, 10)}.csv"`
        set.headers['cache-control'] = 'no-store'
        return new Response(stream)
      },
      {
        auth: 'admin',
        query: RangeQuery,
        response: { 200: OrdersCsv, ...problemResponses(401, 403, 422) },
        detail: {
          summary: 'Order lines as CSV',
          description: `Streams every line of the orders placed in the range as RFC 4180 CSV (\`text/csv; charset=utf-8\`, CRLF line ends, header row, oldest order first), as an attachment. Columns: ${ORDER_LINE_COLUMNS.join(', ')}; \`line\` numbers an order's lines from 1. Cells starting with =, +, -, @ (or their fullwidth and small forms, also after leading whitespace), TAB or CR get a leading apostrophe (formula injection). REQUEST_TIMEOUT does not apply (a slow download may pause longer). ${RANGE_RULES}`,
        },
      },
    )
    .post(
      '/snapshots',
      async ({ set, status }) => {
        const snapshot = await reports.takeSnapshot()
        set.headers.location = `/admin/reports/snapshots/${snapshot.name}`
        return status(202, snapshot)
      },
      {
        auth: 'admin',
        response: { 202: SnapshotInfo, ...problemResponses(401, 403) },
        detail: {
          summary: 'Write a summary snapshot now',
          description:
            'Computes the summary of the default range (the 30 UTC days up to today) and stores it as a JSON file under DATA_DIR/reports (on PostgreSQL, in the database, so every process serves it). 202 with `Location` naming the stored snapshot, which is complete when this answers. Only the newest SNAPSHOT_KEEP snapshots are kept. The REPORT_CRON job writes the same snapshots on schedule.',
        },
      },
    )
    .get('/snapshots', async () => ({ items: await reports.listSnapshots() }), {
      auth: 'admin',
      response: { 200: SnapshotList, ...problemResponses(401, 403) },
      detail: { summary: 'List stored snapshots', description: 'Newest first: `{name, size, created_at}` each.' },
    })
    .get(
      '/snapshots/:name',
      async ({ params }) => {
        const file = await reports.snapshotFile(params.name)
        return new Response(file, {
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-disposition': `attachment; filename="${params.name}"`,
          },
        })
      },
      {
        auth: 'admin',
        params: SnapshotParams,
        response: { 200: SnapshotDocument, ...problemResponses(401, 403, 404) },
        detail: {
          summary: 'Download a snapshot',
          description: 'The stored JSON file `{name, created_at, summary}`. Any name that is not a listed snapshot (including paths and traversal attempts) is 404.',
        },
      },
    )
}
