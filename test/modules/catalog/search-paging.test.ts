import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { ProductJson } from '../../../src/modules/catalog/model.ts'
import { SORTS } from '../../../src/modules/catalog/model.ts'
import type { ListRequest, ListResult } from '../../../src/modules/catalog/store/listing.ts'
import { createProductSearch } from '../../../src/modules/catalog/store/search.ts'
import { createPgProductSearch } from '../../../src/modules/catalog/store/search.pg.ts'
import { createTestApp, createUser, expectProblem, json, sqliteOf } from '../../helpers.ts'
import { createProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Relevance paging, on the dialect of the run: the documented order (the products whose name holds
 * every word first, then the other matches, each tier most recently added first), every match
 * exactly once across all pages, with products added between pages in both tiers.
 */

const t = await createTestApp()
let admin: Awaited<ReturnType<typeof createUser>>
/** Every product created, in creation order: its index is its place in "most recently added". */
const created: ProductJson[] = []
const add = async (fields: Record<string, unknown>) => {
  // Creation times sometimes tie and sometimes go back: the order is of insertion, not of created_at.
  t.clock.advance(created.length % 4 === 0 ? 0 : created.length % 7 === 0 ? -5000 : 1000)
  const product = await createProduct(t, admin.token, fields)
  created.push(product)
  return product
}

/** The documented relevance key of a product for one-word queries (higher first). */
function key(product: ProductJson, word: string): [number, number] {
  const inName = product.name.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((token) => token.startsWith(word))
  return [inName ? 1 : 0, created.findIndex((p) => p.id === product.id)]
}
const compare = (word: string) => (a: ProductJson, b: ProductJson) => {
  const [ka, kb] = [key(a, word), key(b, word)]
  return kb[0] - ka[0] || kb[1] - ka[1]
}

beforeAll(async () => {
  admin = await createUser(t, { role: 'admin' })
  for (let i = 0; i < 30; i++) {
    const inName = i % 3 === 0
    await add({
      name: inName ? `Lamp ${i}` : `Desk ${i}`,
      description: i % 2 ? 'A lamp and a shade' : 'Plain',
      category: i % 5 === 0 ? 'rare' : 'common',
      active: i % 11 !== 4,
    })
  }
})
afterAll(() => t.close())

interface Page {
  items: ProductJson[]
  next_cursor: string | null
}

/** Pages through `path` with `limit`, running `between` after each page; returns what was served. */
async function pageThrough(path: string, token: string | undefined, between: (round: number) => Promise<void>) {
  const seen: ProductJson[] = []
  let cursor: string | null = null
  let round = 0
  do {
    const response = await t.request(`${path}${cursor ? `&cursor=${cursor}` : ''}`, { token })
    const body: Page = await json(response)
    expect(response.status, JSON.stringify(body)).toBe(200)
    seen.push(...body.items)
    cursor = body.next_cursor
    await between(round++)
    if (round > 1000) throw new Error('pagination does not end')
  } while (cursor)
  return seen
}

const matching = (word: string, options: { admin?: boolean; category?: string } = {}) =>
  created.filter(
    (p) =>
      (options.admin || p.active) &&
      (options.category === undefined || p.category === options.category) &&
      `${p.name} ${p.description}`.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((token) => token.startsWith(word)),
  )

describe('GET /products?q= paging by relevance', () => {
  test('one page holds the documented order: name tier first, each tier most recently added first', async () => {
    const body: Page = await json(await t.request('/products?q=lamp&limit=100'))
    const expected = matching('lamp').sort(compare('lamp'))
    expect(body.items.map((p) => p.id)).toEqual(expected.map((p) => p.id))
    expect(body.next_cursor).toBeNull()
    // The name tier holds Lamp 0, Lamp 3, …; the rest are desks with a lamp in the description.
    expect(body.items[0]!.name).toBe('Lamp 27')
    expect(body.items.at(-1)!.name).toBe('Desk 1')
  })

  for (const [label, query, options] of [
    ['public', 'q=lamp', {}],
    ['admin, inactive included', 'q=lamp', { admin: true }],
    ['category filter', 'q=lamp&category=rare', { category: 'rare' }],
  ] as const) {
    for (const limit of [1, 4, 7]) {
      test(`${label}, limit ${limit}: every match exactly once, in order, with products added between pages in both tiers`, async () => {
        const before = matching('lamp', options).sort(compare('lamp'))
        const token = 'admin' in options ? admin.token : undefined
        const seen = await pageThrough(`/products?${query}&limit=${limit}`, token, async (round) => {
          if (round % 2 || round > 12) return
          await add({ name: `Lamp new ${round}`, category: 'rare' })
          await add({ name: `Shelf new ${round}`, description: 'lamp hook', category: 'rare' })
        })
        const ids = seen.map((p) => p.id)
        expect(new Set(ids).size).toBe(ids.length)
        // What existed before the first page: served exactly once, in the documented order.
        const existing = new Set(before.map((p) => p.id))
        expect(ids.filter((id) => existing.has(id))).toEqual(before.map((p) => p.id))
        // Products added meanwhile are served only where the order puts them after the cursor: the whole list stays ordered.
        expect(seen.map((p) => p.id)).toEqual([...seen].sort(compare('lamp')).map((p) => p.id))
        for (const product of seen) expect(matching('lamp', options).map((p) => p.id)).toContain(product.id)
      })
    }
  }

  test('a two-word query: the name tier needs every word in the name', async () => {
    const fresh = await createTestApp()
    const freshAdmin = await createUser(fresh, { role: 'admin' })
    const both = await createProduct(fresh, freshAdmin.token, { name: 'Oak lamp', description: 'x' })
    const split = await createProduct(fresh, freshAdmin.token, { name: 'Oak stand', description: 'for a lamp' })
    const described = await createProduct(fresh, freshAdmin.token, { name: 'Stand', description: 'oak lamp' })
    const newer = await createProduct(fresh, freshAdmin.token, { name: 'Lamp of oak', description: '' })
    const body: Page = await json(await fresh.request('/products?q=oak%20lam'))
    expect(body.items.map((p) => p.id)).toEqual([newer.id, both.id, described.id, split.id])
    await fresh.close()
  })

  test('a search in a category finds exactly its products, whatever the category spells, and follows category changes', async () => {
    const fresh = await createTestApp()
    const freshAdmin = await createUser(fresh, { role: 'admin' })
    const categories = ['a', 'a b', 'b a', 'A', 'crème "brûlée"', 'creme "brulee"', 'ΟΔΟΣ', 'Home & garden', "k6'", '😀']
    const byCategory = new Map<string, string[]>()
    for (const [i, category] of categories.entries()) {
      for (const name of ['Lamp', 'Desk lamp']) {
        const product = await createProduct(fresh, freshAdmin.token, { name: `${name} ${i}`, category })
        byCategory.set(category, [product.id, ...(byCategory.get(category) ?? [])])
      }
    }
    const found = async (query: string) => ((await json(await fresh.request(`/products?${query}`))).items as ProductJson[]).map((p) => p.id)
    for (const category of categories) {
      // Both names hold "lamp": one tier, newest first.
      expect(await found(`q=lamp&category=${encodeURIComponent(category)}`), category).toEqual(byCategory.get(category)!)
      expect(await found(`q=lamp&sort=price&category=${encodeURIComponent(category)}`), category).toHaveLength(2)
    }
    const moved = byCategory.get('a')![0]!
    const response = await fresh.request(`/products/${moved}`, { method: 'PATCH', token: freshAdmin.token, json: { category: 'a b' } })
    expect(response.status).toBe(200)
    expect(await found('q=lamp&category=a')).toEqual(byCategory.get('a')!.slice(1))
    // The moved product is older than both of 'a b': last in their tier.
    expect(await found('q=lamp&category=a%20b')).toEqual([...byCategory.get('a b')!, moved])
    await fresh.close()
  })

  test('a relevance cursor with another tier or a position no row has is refused (422, as any invalid cursor)', async () => {
    const body: Page = await json(await t.request('/products?q=lamp&limit=1'))
    const [tag] = JSON.parse(Buffer.from(body.next_cursor!, 'base64url').toString('utf8')) as [string]
    for (const key of [[tag, 2, 5], [tag, 1, 1.5], [tag, 0, 2 ** 60], [tag, 1, 'x'], [tag, 1]]) {
      const cursor = Buffer.from(JSON.stringify(key)).toString('base64url')
      await expectProblem(await t.request(`/products?q=lamp&limit=1&cursor=${cursor}`), 422)
    }
  })
})

describe('GET /products?q=: every way the store finds a page gives the same pages', () => {
  // The tunings pick between ways (row-by-row lookups or reading every match on SQLite's sorted
  // searches; a window of the newest rows or the GIN indexes on PostgreSQL): each must page alike.
  type Lister = (request: ListRequest) => ListResult | Promise<ListResult>
  const listers = (): Lister[] => {
    const database = t.ctx.database
    if (database.dialect === 'postgres') {
      return [
        { window: 1024, windowRowCost: 2.5, matchCost: 9 },
        { window: 1, windowRowCost: 2.5, matchCost: 9 },
        { window: 3, windowRowCost: 1, matchCost: 1e9 },
        { window: 40, windowRowCost: 1e9, matchCost: 1 },
      ].map((tuning) => {
        const search = createPgProductSearch(database.sql, undefined, tuning)
        return (request) => search.list(request)
      })
    }
    return [
      { denseMatchesPer1024: 256, probedRowsPerPageRow: 8 },
      { denseMatchesPer1024: 0, probedRowsPerPageRow: 1 },
      { denseMatchesPer1024: 0, probedRowsPerPageRow: 100 },
      { denseMatchesPer1024: 5000, probedRowsPerPageRow: 8 },
    ].map((tuning) => {
      const search = createProductSearch(sqliteOf(t), undefined, tuning)
      return (request) => search.list(request)
    })
  }
  async function all(list: Lister, request: ListRequest) {
    const ids: string[] = []
    let cursor: string | undefined
    for (let n = 0; n < 500; n++) {
      const page = await list({ ...request, cursor })
      ids.push(...page.rows.map((row) => row.id))
      if (page.nextCursor === null) return ids
      cursor = page.nextCursor
    }
    throw new Error('pagination does not end')
  }

  test('relevance and every sort, with and without filters, on every tuning', async () => {
    const [reference, ...others] = listers()
    expect(others.length).toBe(3)
    for (const q of ['lamp', 'shade', 'lamp shade', 'pla']) {
      for (const sort of [undefined, ...SORTS]) {
        for (const filters of [{}, { category: 'rare' }, { minPrice: 1012, inStock: true }, { includeInactive: true }]) {
          for (const limit of [2, 7]) {
            const request: ListRequest = { q, sort, limit, includeInactive: false, ...filters }
            const expected = await all(reference!, request)
            for (const other of others) expect(await all(other, request), JSON.stringify(request)).toEqual(expected)
          }
        }
      }
    }
  }, 120_000)
})
