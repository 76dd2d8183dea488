import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SORTS } from '../../../src/modules/catalog/model.ts'
import { sql } from 'drizzle-orm'
import { createProductSearch, type ListRequest } from '../../../src/modules/catalog/store/search.ts'
import { createPgProductSearch } from '../../../src/modules/catalog/store/search.pg.ts'
import { createTestApp, createUser, onPostgres, sqliteOf, type TestApp } from '../../helpers.ts'
import { createProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Every list query walks an index: each sort its own (behind the category prefix when filtering
 * by category), never a full scan of products and never a sort of the rows afterwards.
 */

const t = await createTestApp()
beforeAll(async () => {
  const admin = await createUser(t, { role: 'admin' })
  for (let i = 0; i < 8; i++) await createProduct(t, admin.token, { name: `Lamp ${i}`, category: 'c', price_cents: 100 * (i % 4), stock: i % 2 ? i : 0 })
})
afterAll(() => t.close())

/** The EXPLAIN QUERY PLAN lines of the statements a list request runs. */
function plan(request: ListRequest): string[] {
  const lines: string[] = []
  const search = createProductSearch(sqliteOf(t), (sql, params) => {
    // Prepared and finalized here: a cached EXPLAIN statement left open would keep the database busy.
    const explain = sqliteOf(t).prepare<{ detail: string }, [Record<string, any>]>(`EXPLAIN QUERY PLAN ${sql}`)
    lines.push(...explain.all(params as Record<string, any>).map((row) => row.detail))
    explain.finalize()
  })
  search.list(request)
  return lines
}

/** A real cursor for the request (the first page of one row). */
function cursorFor(request: ListRequest): string {
  const { nextCursor } = createProductSearch(sqliteOf(t)).list({ ...request, limit: 1 })
  if (!nextCursor) throw new Error('no second page')
  return nextCursor
}

const FILTERS: [string, Partial<ListRequest>][] = [
  ['no filter', {}],
  ['category', { category: 'c' }],
  ['price range', { minPrice: 100, maxPrice: 400 }],
  ['in stock', { inStock: true }],
  ['out of stock', { inStock: false, maxPrice: 1000 }],
  ['category + price + stock', { category: 'c', minPrice: 100, inStock: true }],
]

const INDEX_OF_SORT: Record<string, string> = {
  created_at: 'products_created_id_idx',
  price: 'products_price_id_idx',
  name: 'products_name_nocase_id_idx',
}
const CATEGORY_INDEX_OF_SORT: Record<string, string> = {
  created_at: 'products_category_created_idx',
  price: 'products_category_price_idx',
  name: 'products_category_name_idx',
}

describe.skipIf(onPostgres)('GET /products query plans (SQLite)', () => {
  for (const sort of SORTS) {
    for (const [label, filters] of FILTERS) {
      for (const includeInactive of [false, true]) {
        test(`sort=${sort}, ${label}${includeInactive ? ', admin' : ''}: first and later pages walk the sort's index`, () => {
          const request: ListRequest = { sort, limit: 20, includeInactive, ...filters }
          const expectedIndex = (filters.category ? CATEGORY_INDEX_OF_SORT : INDEX_OF_SORT)[sort.replace('-', '')]!
          for (const lines of [plan(request), plan({ ...request, cursor: cursorFor(request) })]) {
            expect(lines.some((line) => line.includes(expectedIndex))).toBe(true)
            expect(lines.some((line) => /TEMP B-TREE/.test(line))).toBe(false)
            expect(lines.some((line) => /^SCAN p$/.test(line))).toBe(false)
          }
        })
      }
    }
  }

  test('later pages seek to the cursor instead of walking from the start', () => {
    for (const sort of SORTS) {
      const request: ListRequest = { sort, limit: 20, includeInactive: true }
      const lines = plan({ ...request, cursor: cursorFor(request) })
      expect(lines.some((line) => line.startsWith('SEARCH p USING'))).toBe(true)
    }
  })

  test('a relevance page walks each tier\'s full-text index in rowid order: no sort, products by rowid, later pages too', () => {
    for (const [label, filters] of FILTERS) {
      const request: ListRequest = { q: 'lamp', limit: 3, includeInactive: false, ...filters }
      const pages = [plan(request)]
      const { nextCursor } = createProductSearch(sqliteOf(t)).list({ ...request, limit: 1 })
      if (nextCursor) pages.push(plan({ ...request, cursor: nextCursor }))
      for (const lines of pages) {
        expect(lines.some((line) => /^SCAN products_(name_)?fts VIRTUAL TABLE INDEX/.test(line)), label).toBe(true)
        expect(lines.filter((line) => line.startsWith('SEARCH p ')).every((line) => line === 'SEARCH p USING INTEGER PRIMARY KEY (rowid=?)'), label).toBe(true)
        expect(lines.some((line) => /TEMP B-TREE/.test(line)), label).toBe(false)
      }
    }
  })

  test('a search starts from the full-text index, never a scan of products', () => {
    for (const sort of [undefined, ...SORTS]) {
      const lines = plan({ q: 'lamp', sort, limit: 20, includeInactive: false, category: 'c' })
      expect(lines.some((line) => line.includes('VIRTUAL TABLE INDEX'))).toBe(true)
      expect(lines.some((line) => /^SCAN p\b(?!.*USING)/.test(line))).toBe(false)
    }
  })
})

/** The app's PostgreSQL pool (the PostgreSQL plans only). */
function postgresOf(app: TestApp) {
  if (app.ctx.database.dialect !== 'postgres') throw new Error('a PostgreSQL test')
  return app.ctx.database.sql
}

/**
 * PostgreSQL's EXPLAIN of the statements a list request runs, in one transaction with the given
 * planner settings off. The planner costs every path; with a handful of rows a sequential scan and
 * a sort always look cheapest, so the list plans turn those off: what is left is a path that
 * delivers the order by itself, and the plan shows which index that is and whether the cursor seeks it.
 */
async function pgPlan(app: TestApp, request: ListRequest, off: string[]): Promise<string[]> {
  const pg = postgresOf(app)
  const statements: [string, unknown[]][] = []
  await createPgProductSearch(pg, (text, values) => statements.push([text, values])).list(request)
  return pg.begin(async (tx) => {
    for (const setting of off) await tx.unsafe(`SET LOCAL ${setting} = off`)
    const lines: string[] = []
    for (const [text, values] of statements) {
      const rows: { 'QUERY PLAN': string }[] = await tx.unsafe(`EXPLAIN ${text}`, values as never[])
      lines.push(...rows.map((row) => row['QUERY PLAN']))
    }
    return lines
  })
}

async function pgCursorFor(app: TestApp, request: ListRequest): Promise<string> {
  const { nextCursor } = await createPgProductSearch(postgresOf(app)).list({ ...request, limit: 1 })
  if (!nextCursor) throw new Error('no second page')
  return nextCursor
}

const SORT_NODE = /(^|->\s+)(Incremental )?Sort\s+\(/
const SEQ_SCAN = /Seq Scan on products/

describe.skipIf(!onPostgres)('GET /products query plans (PostgreSQL)', () => {
  const LIST_OFF = ['enable_seqscan', 'enable_sort']

  for (const sort of SORTS) {
    for (const [label, filters] of FILTERS) {
      for (const includeInactive of [false, true]) {
        test(`sort=${sort}, ${label}${includeInactive ? ', admin' : ''}: first and later pages walk the sort's index, unsorted`, async () => {
          const request: ListRequest = { sort, limit: 20, includeInactive, ...filters }
          const expectedIndex = (filters.category ? CATEGORY_INDEX_OF_SORT : INDEX_OF_SORT)[sort.replace('-', '')]!
          for (const lines of [await pgPlan(t, request, LIST_OFF), await pgPlan(t, { ...request, cursor: await pgCursorFor(t, request) }, LIST_OFF)]) {
            expect(lines.some((line) => line.includes(`Index Scan using ${expectedIndex}`) || line.includes(`Index Scan Backward using ${expectedIndex}`))).toBe(true)
            expect(lines.some((line) => SORT_NODE.test(line))).toBe(false)
            expect(lines.some((line) => SEQ_SCAN.test(line))).toBe(false)
          }
        })
      }
    }
  }

  test('later pages seek to the cursor (a row comparison in the index condition) instead of walking from the start', async () => {
    for (const sort of SORTS) {
      const request: ListRequest = { sort, limit: 20, includeInactive: true }
      const lines = await pgPlan(t, { ...request, cursor: await pgCursorFor(t, request) }, LIST_OFF)
      expect(lines.some((line) => /Index Cond: .*ROW\(/.test(line))).toBe(true)
    }
  })

  describe('a search', () => {
    // The search term is rare and the category is not (2000 other products share it), analyzed: the
    // GIN index is then the selective path, as it is in a real catalog.
    let searched: TestApp
    beforeAll(async () => {
      searched = await createTestApp()
      await searched.sql(sql`
        INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
        SELECT lpad(i::text, 8, '0'), 'SKU-' || i, CASE WHEN i <= 8 THEN 'Lamp ' ELSE 'Desk ' END || i, 'Item ' || i, 'c', (i % 40) * 100,
          i % 3, i % 7 <> 3, to_char(timestamp '2026-01-01' + i * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '2026-01-01T00:00:00.000Z'
        FROM generate_series(1, 2008) i`)
      await searched.sql(sql`ANALYZE products`)
    })
    afterAll(() => searched.close())

    test('starts from the GIN index on products.search, never a scan of products', async () => {
      for (const sort of [undefined, ...SORTS]) {
        const lines = await pgPlan(searched, { q: 'lamp', sort, limit: 20, includeInactive: false, category: 'c' }, ['enable_seqscan'])
        expect(lines.some((line) => line.includes('Bitmap Index Scan on products_search_idx'))).toBe(true)
        expect(lines.some((line) => SEQ_SCAN.test(line))).toBe(false)
      }
    })
  })
})
