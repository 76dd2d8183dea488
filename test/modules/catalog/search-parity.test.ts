import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { SEARCH_TEXT_SQL } from '../../../src/db/pg/search-text.ts'
import { createTestApp, createUser, json, onPostgres, type TestApp } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The same catalog on both dialects answers every search alike: the same products, in the same
 * order, on the same pages. A PostgreSQL run only (it compares that run's database with a SQLite
 * one beside it); the SQLite run has nothing to compare with.
 */

/** A fixed pseudo-random sequence, so every run builds the same catalog and asks the same questions. */
function sequence(seed: number) {
  let state = seed
  return (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state % n
  }
}

interface Corpus {
  words: string[]
  /** How the words of one name or description are joined. */
  separators: string[]
  /** Queries beyond the words of the catalog and their prefixes. */
  queries: string[]
  sku: (seed: number, i: number) => string
}

/** Words as people type them: cases, hyphens between letters, diacritics, other scripts, numbers. */
const PLAIN: Corpus = {
  words: ['oak', 'Oak', 'OAK', 'chair', 'chairs', 'table', 'crème', 'brûlée', 'lamp', 'lampshade', 'desk', 'kit', 'torch', 'KIT-TORCH', 'mid-century', 'naïve', 'ΟΔΟΣ', 'straße', 'x', 'ab', 'abc', '2024'],
  separators: [' ', ' ', ' ', ' - '],
  queries: ['oak chair', 'chair oak', 'mid', 'mid-cent', 'kit torch', 'torch-kit', 'crè', 'ΟΔ', 'oak oak', 'a b', '"oak"', 'oak*'],
  sku: (seed, i) => `P${seed}N${i}-SKU`,
}

/** Punctuation inside words (hosts, paths, decimals, e-mail addresses, digits after a hyphen) and unaccented queries of accented words. */
const PUNCTUATED: Corpus = {
  words: ['oak', 'chair', 'crème', 'brûlée', 'kit', 'torch', 'oak.chair', 'x-1', 'mid-2024', 'foo_bar', 'a/b', 'u@x.com', '12.5', 'v1.2.3', "don't"],
  separators: [' ', '.', '/', '_'],
  queries: ['creme', 'brulee', '12', '5', 'com', 'bar', 'b', 'chair.oak', 'v1', '2024', '1'],
  sku: (seed, i) => `P${seed}-${i}-1.5_x`,
}

async function searchAll(t: TestApp, q: string, sort: string): Promise<string[]> {
  const skus: string[] = []
  let cursor: string | null = null
  do {
    const response = await t.request(`/products?q=${encodeURIComponent(q)}${sort}&limit=7${cursor ? `&cursor=${cursor}` : ''}`)
    const body = await json(response)
    expect(response.status).toBe(200)
    skus.push(...body.items.map((product: { sku: string }) => product.sku))
    cursor = body.next_cursor
  } while (cursor)
  return skus
}

/** Builds the corpus's catalog in both apps and returns the queries on which they differ. */
async function differences(sqlite: TestApp, postgres: TestApp, corpus: Corpus, seed: number) {
  const random = sequence(seed)
  const pick = () => corpus.words[random(corpus.words.length)]!
  const text = (n: number) => Array.from({ length: n }, pick).join(corpus.separators[random(corpus.separators.length)])
  const apps = [sqlite, postgres]
  const admins = await Promise.all(apps.map((t) => createUser(t, { role: 'admin' })))
  for (let i = 0; i < 80; i++) {
    const body = { sku: `${corpus.sku(seed, i)}`, name: text(1 + random(4)), description: text(random(10)), price_cents: random(5) * 100 }
    // Same clock, same order of creation (ids are UUIDv7, increasing in both): ties break alike.
    const advance = random(3) ? 1000 : 0
    for (const [k, t] of apps.entries()) {
      t.clock.advance(advance)
      const response = await t.request('/products', { method: 'POST', token: admins[k]!.token, json: body })
      expect(response.status).toBe(201)
    }
  }
  const queries = new Set(corpus.queries)
  for (const word of corpus.words) for (const q of [word, word.slice(0, 2), word.slice(0, -1)]) queries.add(q)
  for (let i = 0; i < 40; i++) queries.add(Array.from({ length: 1 + random(3) }, () => pick().slice(0, 1 + random(6))).join(' '))
  const differing: string[] = []
  for (const q of queries) {
    for (const sort of ['', '&sort=-name', '&sort=price']) {
      const [onSqlite, onPostgres] = await Promise.all(apps.map((t) => searchAll(t, q, sort)))
      if (JSON.stringify(onSqlite) !== JSON.stringify(onPostgres)) differing.push(`${q}${sort}`)
    }
  }
  return differing
}

describe.skipIf(!onPostgres)('GET /products?q= on PostgreSQL and SQLite', () => {
  let sqlite: TestApp
  let postgres: TestApp
  beforeAll(async () => {
    postgres = await createTestApp()
    sqlite = await createTestApp({ DATABASE_PATH: join(postgres.dir, 'sqlite-twin.db') })
  })
  afterAll(async () => {
    await sqlite.close()
    await postgres.close()
  })

  test('products.search is what the scores assume: the columns as SEARCH_TEXT_SQL reads them, one after the other', async () => {
    const t = await createTestApp()
    const admin = await createUser(t, { role: 'admin' })
    const texts = ['Mid-century oak.chair', 'u@x.com 12.5 v1.2.3', 'Crème brûlée', '', 'a - b', 'x-1 -5 2024-01-01', 'ΟΔΟΣ straße', "don't stop"]
    for (const [i, name] of texts.entries()) {
      const body = { sku: `DOC-${i}-1.5_x`, name: name || 'blank description', description: texts[(i + 3) % texts.length], price_cents: 1 }
      expect((await t.request('/products', { method: 'POST', token: admin.token, json: body })).status).toBe(201)
    }
    // tsvector || shifts the right operand's positions past the left's last: the scores' name_end and sku_start.
    const column = (name: string) => `to_tsvector('simple', ${SEARCH_TEXT_SQL(name)})`
    const [row] = await t.sql<{ products: number; differing: number }>(
      sql.raw(
        `SELECT CAST(count(*) AS integer) AS products, CAST(count(*) FILTER (WHERE search <> ${column('name')} || ${column('description')} || ${column('sku')}) AS integer) AS differing FROM products`,
      ),
    )
    await t.close()
    expect(row).toEqual({ products: texts.length, differing: 0 })
  })

  test('words of letters and digits, hyphenated words, diacritics: the same matches, relevance order and pages', async () => {
    expect(await differences(sqlite, postgres, PLAIN, 7)).toEqual([])
  }, 120_000)

  // PostgreSQL's parser alone keeps 'oak.chair', 'u@x.com', '12.5' whole and diacritics in them, where
  // FTS5 splits at punctuation and folds them: products.search is made of SEARCH_TEXT_SQL for this.
  test('punctuation inside words and unaccented queries: the same matches, relevance order and pages', async () => {
    expect(await differences(sqlite, postgres, PUNCTUATED, 11)).toEqual([])
  }, 120_000)
})
