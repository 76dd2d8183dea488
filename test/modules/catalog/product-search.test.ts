import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import type { ProductJson } from '../../../src/modules/catalog/model.ts'
import { sql } from 'drizzle-orm'
import { toFtsQuery } from '../../../src/modules/catalog/store/search.ts'
import { toPgSearch } from '../../../src/modules/catalog/store/tsquery.ts'
import { createTestApp, createUser, expectProblem, json, onPostgres } from '../../helpers.ts'
import { allPages, createProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
let admin: Awaited<ReturnType<typeof createUser>>
const byName = new Map<string, ProductJson>()
beforeAll(async () => {
  admin = await createUser(t, { role: 'admin' })
  const products = [
    { name: 'Oak chair', description: 'A sturdy chair made of oak.', sku: 'FURN-OAK-1', category: 'furniture', price_cents: 5000 },
    { name: 'Pine table', description: 'Goes well with an oak chair.', sku: 'FURN-PINE-2', category: 'furniture', price_cents: 9000 },
    { name: 'Chair cushion', description: 'Soft', sku: 'HOME-CUSH-3', category: 'home', price_cents: 1500 },
    { name: 'Crème brûlée torch', description: 'Kitchen tool', sku: 'KIT-TORCH', category: 'kitchen', price_cents: 2500 },
    { name: 'Stool', description: 'oak oak oak oak oak oak oak', sku: 'FURN-STOOL', category: 'furniture', price_cents: 3000 },
    { name: 'Hidden oak box', description: 'Archived', sku: 'OLD-OAK', category: 'home', price_cents: 100, active: false },
    { name: 'Near OR not', description: 'Words that are FTS5 operators: NEAR, OR, AND, NOT.', sku: 'OPS-1', price_cents: 10 },
  ]
  for (const fields of products) {
    t.clock.advance(1000)
    byName.set(fields.name, await createProduct(t, admin.token, fields))
  }
})
afterAll(() => t.close())

const names = (items: ProductJson[]) => items.map((p) => p.name)
const search = async (query: string, token?: string) => {
  const response = await t.request(`/products?${query}`, { token })
  const body = await json(response)
  expect(response.status, JSON.stringify(body)).toBe(200)
  return body.items as ProductJson[]
}

describe('GET /products?q=', () => {
  test('matches name, description and sku, all words required', async () => {
    expect(names(await search('q=pine')).sort()).toEqual(['Pine table'])
    expect(names(await search('q=sturdy')).sort()).toEqual(['Oak chair'])
    expect(names(await search('q=KIT-TORCH'))).toEqual(['Crème brûlée torch'])
    expect(names(await search('q=oak%20chair')).sort()).toEqual(['Oak chair', 'Pine table'])
    expect(await search('q=oak%20piano')).toEqual([])
  })

  test('ranks by relevance: products whose name holds every word first, then the other matches, each tier newest first', async () => {
    // Oak chair: oak in the name; then Stool (newer) and Pine table, oak only in description.
    expect(names(await search('q=oak'))).toEqual(['Oak chair', 'Stool', 'Pine table'])
    // Chair cushion (newer) and Oak chair have chair in the name; Pine table only in the description.
    expect(names(await search('q=chair'))).toEqual(['Chair cushion', 'Oak chair', 'Pine table'])
    // Every word must be in the name for the first tier: Oak chair's name has both, Pine table's neither.
    expect(names(await search('q=chair%20oak'))).toEqual(['Oak chair', 'Pine table'])
  })

  test('treats the last word as a prefix and folds case', async () => {
    expect(names(await search('q=cush'))).toEqual(['Chair cushion'])
    // A prefix of its first 6 characters: 'cushions' finds what 'cushio' finds.
    expect(names(await search('q=CUSHIONS'))).toEqual(['Chair cushion'])
    expect(names(await search('q=brûl'))).toEqual(['Crème brûlée torch'])
  })

  // On PostgreSQL the generated products.search folds them as FTS5's unicode61 does (src/db/pg/search-text.ts).
  test('folds diacritics: an unaccented query finds an accented product', async () => {
    expect(names(await search('q=CREME%20BRULEE'))).toEqual(['Crème brûlée torch'])
  })

  test('combines with filters and an explicit sort', async () => {
    expect(names(await search('q=oak&sort=price'))).toEqual(['Stool', 'Oak chair', 'Pine table'])
    expect(names(await search('q=oak&sort=-name'))).toEqual(['Stool', 'Pine table', 'Oak chair'])
    expect(names(await search('q=oak&max_price=5000&category=furniture'))).toEqual(['Oak chair', 'Stool'])
  })

  test('shows inactive matches to administrators only', async () => {
    expect(names(await search('q=hidden'))).toEqual([])
    expect(names(await search('q=hidden', admin.token))).toEqual(['Hidden oak box'])
  })

  test('an empty or blank q lists everything, as without q', async () => {
    expect(await search('q=')).toEqual(await search(''))
    expect(await search('q=%20%20')).toEqual(await search(''))
  })

  test('pages by relevance without duplicates or omissions, and stays stable when products are added between pages', async () => {
    const fresh = await createTestApp()
    const freshAdmin = await createUser(fresh, { role: 'admin' })
    for (let i = 0; i < 12; i++) {
      fresh.clock.advance(i % 3 ? 1000 : 0)
      await createProduct(fresh, freshAdmin.token, { name: i % 2 ? `Lamp ${i}` : `Desk ${i}`, description: 'lamp '.repeat(i % 5) })
    }
    const expected = (await allPages(fresh, '/products?q=lamp&limit=100')).flat()
    expect((await allPages(fresh, '/products?q=lamp&limit=2')).flat()).toEqual(expected)

    const seen: ProductJson[] = []
    let cursor: string | null = null
    let round = 0
    do {
      const body: { items: ProductJson[]; next_cursor: string | null } = await json(
        await fresh.request(`/products?q=lamp&limit=2${cursor ? `&cursor=${cursor}` : ''}`),
      )
      seen.push(...body.items)
      cursor = body.next_cursor
      // New matches that change every bm25 statistic, with the best, worst and an existing score.
      if (round++ < 4) {
        for (const fields of [{ name: 'Lamp lamp lamp' }, { name: 'Other', description: 'lamp' }, { name: 'Lamp', description: 'lamp lamp' }]) {
          await createProduct(fresh, freshAdmin.token, fields)
        }
      }
    } while (cursor)
    const seenIds = seen.map((p) => p.id)
    expect(new Set(seenIds).size).toBe(seenIds.length)
    for (const product of expected) expect(seenIds).toContain(product.id)
    await fresh.close()
  })

  test('finds a word with punctuation inside as typed, in name, description or sku', async () => {
    const fresh = await createTestApp()
    const freshAdmin = await createUser(fresh, { role: 'admin' })
    const stand = await createProduct(fresh, freshAdmin.token, { name: 'Oak.chair stand', sku: 'STAND-1' })
    const mug = await createProduct(fresh, freshAdmin.token, { name: 'Mug', description: 'Ask u@x.com for 12.5 cl', sku: 'MUG.V1.2' })
    const found = async (q: string) => ((await json(await fresh.request(`/products?q=${encodeURIComponent(q)}`))).items as ProductJson[]).map((p) => p.id)
    expect(await found('oak.chair')).toEqual([stand.id])
    expect(await found('u@x.com 12.5')).toEqual([mug.id])
    expect(await found('mug.v1.2')).toEqual([mug.id])
    expect(await found('stand-1')).toEqual([stand.id])
    await fresh.close()
  })

  const hostile = [
    '"',
    '""',
    '"unbalanced',
    "'",
    "'; DROP TABLE products; --",
    '*',
    'oak*',
    '*oak',
    'NEAR(',
    'NEAR(oak chair, 2)',
    'oak OR chair',
    'OR',
    'AND',
    'NOT',
    'oak NOT chair',
    '-oak',
    '+oak',
    '^oak',
    'name:oak',
    '{name}: oak',
    'sku : oak',
    '(oak',
    'oak)',
    '()',
    '\\',
    '%',
    '_',
    '\u0000',
    '😀',
    'ｏａｋ',
    '"oak" "chair"',
    '* * *',
    'a'.repeat(200),
  ]
  for (const q of hostile) {
    test(`never fails on q=${JSON.stringify(q).slice(0, 40)} (literal search, 200)`, async () => {
      const response = await t.request(`/products?q=${encodeURIComponent(q)}`)
      expect(response.status).toBe(200)
      expect(Array.isArray((await json(response)).items)).toBe(true)
    })
  }

  test('searches FTS operators as plain words', async () => {
    expect(names(await search(`q=${encodeURIComponent('NEAR OR')}`))).toEqual(['Near OR not'])
    expect(names(await search(`q=${encodeURIComponent('"OR"')}`))).toEqual(['Near OR not'])
  })

  test('the products table is intact after hostile queries', async () => {
    const count = async (query: ReturnType<typeof sql>) => (await t.sql<{ n: number }>(query))[0]!.n
    expect(await count(sql`SELECT CAST(count(*) AS integer) AS n FROM products`)).toBe(byName.size)
    // The search index itself: SQLite's FTS5 table, PostgreSQL's tsvector column.
    const oak = onPostgres
      ? sql`SELECT CAST(count(*) AS integer) AS n FROM products WHERE search @@ to_tsquery('simple', 'oak')`
      : sql`SELECT count(*) AS n FROM products_fts WHERE products_fts MATCH '"oak"'`
    expect(await count(oak)).toBe(4)
  })

  test('a q cursor is bound to its query', async () => {
    const first = await json(await t.request('/products?q=oak&limit=1'))
    await expectProblem(await t.request(`/products?q=chair&limit=1&cursor=${first.next_cursor}`), 422)
    await expectProblem(await t.request(`/products?limit=1&cursor=${first.next_cursor}`), 422)
    await expectProblem(await t.request(`/products?q=!!!&limit=1&cursor=${first.next_cursor}`), 422)
    expect((await t.request(`/products?q=oak&limit=1&cursor=${first.next_cursor}`)).status).toBe(200)
  })

  test('the search index follows renames and deletes', async () => {
    const product = await createProduct(t, admin.token, { name: 'Walnut shelf' })
    expect(names(await search('q=walnut'))).toEqual(['Walnut shelf'])
    await t.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: { name: 'Maple shelf' } })
    expect(await search('q=walnut')).toEqual([])
    expect(names(await search('q=maple'))).toEqual(['Maple shelf'])
    await t.request(`/products/${product.id}`, { method: 'DELETE', token: admin.token })
    expect(await search('q=maple')).toEqual([])
  })
})

describe('toFtsQuery', () => {
  test('quotes every word, doubles quotes, makes the last a prefix and drops words without letters or digits', () => {
    expect(toFtsQuery('oak chair')).toBe('"oak" "chair"*')
    expect(toFtsQuery('say "hi" NEAR( *')).toBe('"say" """hi""" "NEAR("*')
    expect(toFtsQuery(`'; DROP TABLE`)).toBe('"DROP" "TABLE"*')
    expect(toFtsQuery('!!! ***')).toBeNull()
  })

  test('the last word is a prefix of at most its first 6 characters (the prefix index), in both dialects', () => {
    expect(toFtsQuery('everyday use')).toBe('"everyday" "use"*')
    expect(toFtsQuery('oak everyday.')).toBe('"oak" "everyd"*')
    expect(toFtsQuery('kit-torchlight')).toBe('"kit-torchl"*')
    expect(toFtsQuery('brûlées')).toBe('"brûlée"*')
    expect(toPgSearch('oak everyday')!.match).toBe("'oak' & 'everyd':*")
    expect(toPgSearch('kit-torchlight')!.match).toBe("('kit' <-> 'torchl':* | 'kit-torchl':*)")
  })
})

describe('toPgSearch', () => {
  test("quotes every token, joins a word's tokens as a phrase, makes the last a prefix and drops words without letters or digits", () => {
    expect(toPgSearch('oak chair')).toEqual({
      match: "'oak' & 'chair':*",
      tokens: [
        { word: 0, offset: 0, length: 1, spelling: 'oak', prefix: false },
        { word: 1, offset: 0, length: 1, spelling: 'chair', prefix: true },
      ],
      phrases: [],
      phraseWords: 0,
    })
    expect(toPgSearch('say "hi" NEAR( *')!.match).toBe("'say' & 'hi' & 'NEAR':*")
    expect(toPgSearch(`'; DROP TABLE`)!.match).toBe("'DROP' & 'TABLE':*")
    expect(toPgSearch('!!! ***')).toBeNull()
  })

  test('a word of several tokens is a phrase, or the word as PostgreSQL parses it whole', () => {
    const search = toPgSearch('KIT-TORCH oak')!
    expect(search.match).toBe("('KIT' <-> 'TORCH' | 'KIT-TORCH') & 'oak':*")
    expect(search.phrases).toEqual([{ word: 0, text: 'KIT-TORCH', prefix: false }])
    expect(search.phraseWords).toBe(1)
    expect(search.tokens.map(({ word, offset, length }) => [word, offset, length])).toEqual([[0, 0, 2], [0, 1, 2], [1, 0, 1]])
  })

  test("doubles quotes and escapes backslashes of the user's text, so it is never tsquery syntax", () => {
    expect(toPgSearch("o'brien\\x")!.match).toBe("('o' <-> 'brien' <-> 'x':* | 'o''brien\\\\x':*)")
  })

  test('a token with diacritics also matches its unaccented spelling', () => {
    const search = toPgSearch('Crème brûl')!
    expect(search.match).toBe("('Crème' | 'Creme') & ('brûl':* | 'brul':*)")
    expect(search.tokens.map(({ spelling, prefix }) => [spelling, prefix])).toEqual([['Crème', false], ['Creme', false], ['brûl', true], ['brul', true]])
  })
})
