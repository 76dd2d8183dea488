import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { parseRange } from '../../../src/modules/reports/range.ts'
import { summarySpans } from '../../../src/modules/reports/spans.ts'
import { createSummaryRunner } from '../../../src/modules/reports/summary-runner.ts'
import { prepareSummaryQueries } from '../../../src/modules/reports/store.ts'
import { computeSummary } from '../../../src/modules/reports/summary.ts'
import { createTestApp, createUser, json, onPostgres, sqliteOf } from '../../helpers.ts'
import { insertOrder, insertProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())
const buyer = await createUser(t)
const product = await insertProduct(t, { priceCents: 250, stock: 1 })
for (const status of ['paid', 'pending', 'delivered'] as const) {
  await insertOrder(t, { userId: buyer.id, status, createdAt: t.clock.now().toISOString(), lines: [{ product, quantity: 2 }] })
}
const range = parseRange({}, t.clock.now())

// The worker opens the SQLite file read-only on its own thread; PostgreSQL has no worker (below).
describe.skipIf(onPostgres)('the summary worker', () => {
  test('computes what the same queries compute on this thread, and reports each part’s time', async () => {
    const runner = createSummaryRunner(t.ctx.config.DATABASE_PATH)
    try {
      const timed: string[] = []
      const onWorker = await runner.compute(range, 5, (part) => timed.push(part))
      const here = await computeSummary(prepareSummaryQueries(sqliteOf(t)), range, 5)
      expect(onWorker).toEqual(here)
      expect(onWorker.revenue_cents).toBe(1000)
      expect(timed.sort()).toEqual(['customers', 'low_stock', 'orders', 'sales_by_day', 'top_products'])
    } finally {
      runner.close()
    }
  })

  test('sees writes committed after it started', async () => {
    const runner = createSummaryRunner(t.ctx.config.DATABASE_PATH)
    try {
      const before = await runner.compute(range, 5)
      await insertOrder(t, { userId: buyer.id, status: 'shipped', createdAt: t.clock.now().toISOString(), lines: [{ product, quantity: 1 }] })
      const after = await runner.compute(range, 5)
      expect(after.revenue_cents).toBe(before.revenue_cents + 250)
    } finally {
      runner.close()
    }
  })

  test('a worker that cannot open the database fails its summaries, and the next call starts afresh', async () => {
    const runner = createSummaryRunner(join(t.dir, 'no-such.db'))
    try {
      await expect(runner.compute(range, 5)).rejects.toThrow(/summary worker/)
      await expect(runner.compute(range, 5)).rejects.toThrow(/summary worker/)
    } finally {
      runner.close()
    }
  })

  test('a SQLite file is summarised on a worker', () => {
    expect(t.services.stores.reports.summaryWorkerDatabase).toBe(t.ctx.config.DATABASE_PATH)
  })
})

describe('where there is no worker', () => {
  test('an in-memory database is summarised on this thread', async () => {
    const memory = await createTestApp({ DATABASE_PATH: ':memory:' })
    try {
      const admin = await createUser(memory, { role: 'admin' })
      const response = await memory.request('/admin/reports/summary', { token: admin.token })
      expect(response.status).toBe(200)
      expect((await json(response)).orders.count).toBe(0)
    } finally {
      memory.close()
    }
  })
})

describe.skipIf(!onPostgres)('the summary on PostgreSQL', () => {
  const store = () => t.services.stores.reports

  test('runs on the pool, without a worker, and reports each part’s time', async () => {
    expect(store().summaryWorkerDatabase).toBeUndefined()
    const timed: string[] = []
    const summary = await store().readSummary((queries) => computeSummary(queries, range, 5, (part) => timed.push(part)))
    const admin = await createUser(t, { role: 'admin' })
    const served = await json(await t.request(`/admin/reports/summary?from=${range.from}&to=${range.to}`, { token: admin.token }))
    expect(summary).toEqual(served)
    expect(timed.sort()).toEqual(['customers', 'low_stock', 'orders', 'sales_by_day', 'top_products'])
  })

  test('every part sees one snapshot: a write committed meanwhile shows in the next summary only', async () => {
    const during = await store().readSummary(async (queries) => {
      const first = await queries.byStatus(summarySpans(range))
      await insertOrder(t, { userId: buyer.id, status: 'paid', createdAt: t.clock.now().toISOString(), lines: [{ product, quantity: 1 }] })
      const summary = await computeSummary(queries, range, 5)
      return { first, summary }
    })
    const paid = during.first.find((row) => row.status === 'paid')!.count
    expect(during.summary.orders.by_status.paid).toBe(paid)
    const after = await store().readSummary((queries) => computeSummary(queries, range, 5))
    expect(after.orders.by_status.paid).toBe(paid + 1)
    expect(after.revenue_cents).toBe(during.summary.revenue_cents + 250)
  })
})
