import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SORTS } from '../../../src/modules/catalog/model.ts'
import { createProductSearch, type ListRequest } from '../../../src/modules/catalog/store/search.ts'
import { createTestApp, createUser, sqliteOf } from '../../helpers.ts'
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

describe('GET /products query plans', () => {
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

  test('a search starts from the full-text index, never a scan of products', () => {
    for (const sort of [undefined, ...SORTS]) {
      const lines = plan({ q: 'lamp', sort, limit: 20, includeInactive: false, category: 'c' })
      expect(lines.some((line) => line.includes('VIRTUAL TABLE INDEX'))).toBe(true)
      expect(lines.some((line) => /^SCAN p\b(?!.*USING)/.test(line))).toBe(false)
    }
  })
})
