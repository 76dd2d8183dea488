import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Value } from '@sinclair/typebox/value'
import { ProductPage, type ProductJson } from '../../../src/modules/catalog/model.ts'
import { createTestApp, createUser, expectProblem, json, type TestApp } from '../../helpers.ts'
import { allPages, createProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const SORTS = ['name', '-name', 'price', '-price', 'created_at', '-created_at'] as const

/** SQLite's NOCASE folds ASCII letters only. */
const nocase = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0)
const keyOf: Record<string, (p: ProductJson) => string | number> = {
  name: (p) => nocase(p.name),
  price: (p) => p.price_cents,
  created_at: (p) => p.created_at,
}
/** The order the contract promises for a sort: the key, then id, both in the sort's direction. */
function expectedOrder(products: ProductJson[], sort: string) {
  const descending = sort.startsWith('-')
  const key = keyOf[descending ? sort.slice(1) : sort]!
  const sign = descending ? -1 : 1
  return [...products].sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(a.id, b.id)))
}

const ids = (products: ProductJson[]) => products.map((p) => p.id)

/** 25 products with ties in every sort key: equal names (up to case), prices and creation times. */
async function seedCatalog(t: TestApp, token: string) {
  const names = ['apple', 'Apple', 'APPLE', 'banana', 'Banana', 'cherry', 'date', 'Date', 'elder', 'fig']
  const products: ProductJson[] = []
  for (let i = 0; i < 25; i++) {
    if (i % 3 !== 0) t.clock.advance(1000) // every third product shares its creation time with the previous one
    products.push(
      await createProduct(t, token, {
        name: names[i % names.length],
        price_cents: [500, 100, 500, 2500, 100][i % 5],
        stock: i % 4 === 0 ? 0 : i,
        category: i % 2 ? 'odd' : 'even',
        active: i % 7 !== 3,
      }),
    )
  }
  return products
}

describe('GET /products', () => {
  let t: TestApp
  let admin: Awaited<ReturnType<typeof createUser>>
  let customer: Awaited<ReturnType<typeof createUser>>
  let all: ProductJson[]
  let active: ProductJson[]
  beforeAll(async () => {
    t = await createTestApp()
    admin = await createUser(t, { role: 'admin' })
    customer = await createUser(t)
    all = await seedCatalog(t, admin.token)
    active = all.filter((p) => p.active)
  })
  afterAll(() => t.close())

  test('lists active products newest first by default, 20 per page', async () => {
    const response = await t.request('/products')
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.items).toHaveLength(20)
    expect(ids(body.items)).toEqual(ids(expectedOrder(active, '-created_at')).slice(0, 20))
    expect(typeof body.next_cursor).toBe('string')
  })

  for (const sort of SORTS) {
    test(`sort=${sort}: pages of 4 join into the full order, with no duplicate and no omission`, async () => {
      const pages = await allPages(t, `/products?sort=${sort}&limit=4`)
      expect(pages.slice(0, -1).every((page) => page.length === 4)).toBe(true)
      expect(ids(pages.flat())).toEqual(ids(expectedOrder(active, sort)))
    })
  }

  test('the last page has next_cursor null; an exact multiple of the limit ends with it too', async () => {
    const pages = await allPages(t, `/products?limit=${active.length}`)
    expect(pages).toHaveLength(1)
    expect(pages[0]).toHaveLength(active.length)
  })

  test('administrators also see inactive products; users and anonymous callers do not', async () => {
    expect(ids((await allPages(t, '/products?limit=100', { token: admin.token })).flat()).sort()).toEqual(ids(all).sort())
    expect(ids((await allPages(t, '/products?limit=100', { token: customer.token })).flat()).sort()).toEqual(ids(active).sort())
    expect((await allPages(t, '/products?limit=100')).flat().every((p) => p.active)).toBe(true)
  })

  const filters: [string, (p: ProductJson) => boolean][] = [
    ['category=odd', (p) => p.category === 'odd'],
    ['min_price=500', (p) => p.price_cents >= 500],
    ['max_price=500', (p) => p.price_cents <= 500],
    ['min_price=100&max_price=100', (p) => p.price_cents === 100],
    ['in_stock=true', (p) => p.stock > 0],
    ['in_stock=false', (p) => p.stock === 0],
    ['category=even&min_price=200&in_stock=true', (p) => p.category === 'even' && p.price_cents >= 200 && p.stock > 0],
    ['category=none', () => false],
  ]
  for (const [query, keep] of filters) {
    for (const sort of ['price', '-name', '-created_at']) {
      test(`${query}, sort=${sort}: exactly the matching products, in order, across pages`, async () => {
        const pages = await allPages(t, `/products?${query}&sort=${sort}&limit=3`)
        expect(ids(pages.flat())).toEqual(ids(expectedOrder(active.filter(keep), sort)))
      })
    }
  }

  // Elysia reports an out-of-range numeric query parameter without its path (a known limit of its
  // t.Integer decoding), so those cases name no path here.
  const badQueries: [string, string | null][] = [
    ['limit=0', null],
    ['limit=101', null],
    ['limit=1000000', null],
    ['limit=abc', '/limit'],
    ['limit=2.5', '/limit'],
    ['sort=price;DROP TABLE products', '/sort'],
    ['sort=rank', '/sort'],
    ['sort=id', '/sort'],
    ['min_price=-1', null],
    ['max_price=1000000001', null],
    ['min_price=1e3x', '/min_price'],
    ['min_price=10&max_price=5', '/min_price'],
    ['in_stock=maybe', '/in_stock'],
    [`category=${'c'.repeat(101)}`, '/category'],
    [`q=${'q'.repeat(201)}`, '/q'],
  ]
  for (const [query, path] of badQueries) {
    test(`is 422 for ?${query}`, async () => {
      const problem = await expectProblem(await t.request(`/products?${query}`), 422)
      if (path) expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path)
    })
  }

  test('is 422 for tampered, foreign and garbage cursors, never 500', async () => {
    const first = await json(await t.request('/products?sort=price&limit=2'))
    const cursor: string = first.next_cursor
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString())
    const reencode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const bad = [
      'garbage!',
      '%00',
      'AAAA',
      reencode([]),
      reencode({ a: 1 }),
      reencode([decoded[0], 'not a number', decoded[2]]),
      reencode([decoded[0], decoded[1], 42]),
      reencode(['-created_at:x', decoded[1], decoded[2]]),
      reencode([...decoded, 'extra']),
      cursor.slice(0, -3),
      'x'.repeat(513),
    ]
    for (const tampered of bad) {
      await expectProblem(await t.request(`/products?sort=price&limit=2&cursor=${encodeURIComponent(tampered)}`), 422)
    }
    // A cursor belongs to its sort and filters.
    await expectProblem(await t.request(`/products?sort=-price&limit=2&cursor=${cursor}`), 422)
    await expectProblem(await t.request(`/products?sort=price&category=odd&limit=2&cursor=${cursor}`), 422)
    expect((await t.request(`/products?sort=price&limit=2&cursor=${cursor}`)).status).toBe(200)
  })

  test('reads a forged cursor as a comparison, as SQLite does: fractional and out-of-range prices, a NUL in a key', async () => {
    const tagOf = async (sort: string) => JSON.parse(Buffer.from((await json(await t.request(`/products?sort=${sort}&limit=1`))).next_cursor, 'base64url').toString())[0]
    const forged = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url')
    const after = async (sort: string, value: unknown, id: string) => {
      const response = await t.request(`/products?sort=${sort}&limit=100&cursor=${forged([await tagOf(sort), value, id])}`)
      const body = await json(response)
      expect(response.status, JSON.stringify(body)).toBe(200)
      return ids(body.items)
    }
    const id = active[0]!.id
    expect(await after('price', 300.5, id)).toEqual(ids(expectedOrder(active.filter((p) => p.price_cents > 300.5), 'price')))
    expect(await after('-price', 300.5, id)).toEqual(ids(expectedOrder(active.filter((p) => p.price_cents < 300.5), '-price')))
    expect(await after('price', 1e300, id)).toEqual([])
    expect(await after('-price', 1e300, id)).toEqual(ids(expectedOrder(active, '-price')))
    expect(await after('price', -1e300, id)).toEqual(ids(expectedOrder(active, 'price')))
    // A NUL sorts before every other character: "x\0…" is after "x" and before anything longer.
    const created = active[5]!.created_at
    expect(await after('created_at', `${created}\u0000z`, id)).toEqual(ids(expectedOrder(active.filter((p) => p.created_at > created), 'created_at')))
    expect(await after('-created_at', `${created}\u0000z`, id)).toEqual(ids(expectedOrder(active.filter((p) => p.created_at <= created), '-created_at')))
    expect(await after('-name', `${active[5]!.name}\u0000`, '\u0000')).toEqual(
      ids(expectedOrder(active.filter((p) => nocase(p.name) <= nocase(active[5]!.name)), '-name')),
    )
  })

  test('is 401 for an invalid token (a token that is sent must be valid)', async () => {
    await expectProblem(await t.request('/products', { token: 'nope' }), 401)
  })

  test('every page matches the documented schema', async () => {
    for (const token of [undefined, admin.token]) {
      const body = await json(await t.request('/products?limit=100', { token }))
      expect(Value.Check(ProductPage, body)).toBe(true)
    }
    const body = await json(await t.request('/products?limit=1'))
    expect(Object.keys(body)).toEqual(['items', 'next_cursor'])
    expect(Object.keys(body.items[0]).sort()).toEqual(
      ['active', 'category', 'created_at', 'description', 'id', 'image_url', 'name', 'price_cents', 'sku', 'stock', 'updated_at'].sort(),
    )
  })
})

describe('GET /products pagination under concurrent writes', () => {
  for (const sort of SORTS) {
    test(`sort=${sort}: inserts between pages cause no duplicate and no omission of existing products`, async () => {
      const t = await createTestApp()
      const admin = await createUser(t, { role: 'admin' })
      const existing = await seedCatalog(t, admin.token)
      const seen: ProductJson[] = []
      let cursor: string | null = null
      let round = 0
      do {
        const response = await t.request(`/products?sort=${sort}&limit=3&in_stock=true${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token })
        const body = await json(response)
        expect(response.status).toBe(200)
        seen.push(...body.items)
        cursor = body.next_cursor
        // Before the next page (for a while): products that sort first, last and in the middle, some at the same key.
        round++
        if (round > 6) continue
        t.clock.advance(round % 2 ? 0 : 500)
        for (const name of ['aaa', 'Zzz', 'cherry']) {
          await createProduct(t, admin.token, { name, price_cents: [1, 999_999, 500][round % 3], stock: 1 })
        }
      } while (cursor)
      const seenIds = ids(seen)
      expect(new Set(seenIds).size).toBe(seenIds.length)
      for (const product of existing.filter((p) => p.stock > 0)) expect(seenIds).toContain(product.id)
      // What was served is in order, inserted products included.
      const key = keyOf[sort.replace('-', '')]!
      const sign = sort.startsWith('-') ? -1 : 1
      for (let i = 1; i < seen.length; i++) {
        expect(sign * (cmp(key(seen[i - 1]!), key(seen[i]!)) || cmp(seen[i - 1]!.id, seen[i]!.id))).toBe(-1)
      }
      await t.close()
    })
  }
})
