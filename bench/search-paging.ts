/**
 * GET /products?q= in process, before and after (issue #19): one request of each case after the
 * other, the two implementations alternating, on copies of a database seeded by `kiosk seed --demo`:
 *
 *   DATA_DIR=/tmp/s JWT_SECRET=… kiosk seed --demo --products 1000000 --users 10 --orders 0
 *   bun bench/search-paging.ts --db /tmp/s/kiosk.db --before ../main/src/modules/catalog/store/search.ts [--seconds 2] [--samples 200]
 *
 * "before" is the search module of another checkout (run on a copy of the database as seeded),
 * "after" this checkout's (on a copy migrated to this checkout's schema). Both copies get the same
 * category of 100 products spread over the catalog, for a filter that rejects almost every match. Each
 * case runs up to --samples times or --seconds per implementation (at least 3): with few samples
 * the p99 is the slowest one (`n` says how many). Deep pages start from a cursor 90% into the
 * order; the "boundary" page (after only) starts at the end of the name tier, where the other
 * tier's walk skips every name match. Writes bench/results/search-paging-<timestamp>.json.
 */
import { Database } from 'bun:sqlite'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { encodeCursor } from '../src/lib/cursor.ts'
import { migrate } from '../src/db/migrate.ts'
import { fingerprint, type ListRequest } from '../src/modules/catalog/store/listing.ts'
import { createProductSearch, toFtsQuery } from '../src/modules/catalog/store/search.ts'

const { values: flags } = parseArgs({
  options: {
    db: { type: 'string' },
    before: { type: 'string' },
    seconds: { type: 'string', default: '2' },
    samples: { type: 'string', default: '200' },
    only: { type: 'string' },
  },
})
if (!flags.db) throw new Error('--db <seeded kiosk.db> is required')
const seconds = Number(flags.seconds)
const maxSamples = Number(flags.samples)

const dir = mkdtempSync(join(tmpdir(), 'kiosk-search-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
function copyOf(name: string) {
  const path = join(dir, name)
  const source = new Database(flags.db!, { readonly: true })
  source.exec(`VACUUM INTO '${path}'`)
  source.close()
  return new Database(path)
}

/** A category of its own for 100 products spread evenly over the catalog (every product has the word "and"). */
function addRareCategory(sqlite: Database) {
  const n = sqlite.query<{ n: number }, []>('SELECT max(rowid) AS n FROM products').get()!.n
  sqlite.query(`UPDATE products SET category = 'clearance' WHERE rowid % ? = 0`).run(Math.floor(n / 100))
}

console.log(`copying ${flags.db} ...`)
const afterDb = copyOf('after.db')
let started = performance.now()
migrate(afterDb)
console.log(`  migrated the after copy in ${((performance.now() - started) / 1000).toFixed(1)} s`)
addRareCategory(afterDb)
const after = createProductSearch(afterDb)

let before: ReturnType<typeof createProductSearch> | null = null
let beforeDb: Database | null = null
if (flags.before) {
  beforeDb = copyOf('before.db')
  addRareCategory(beforeDb)
  const module = (await import(resolve(flags.before))) as { createProductSearch: typeof createProductSearch }
  before = module.createProductSearch(beforeDb)
}
const products = afterDb.query<{ n: number }, []>('SELECT count(*) AS n FROM products').get()!.n

// --- cursors 90% into each order ----------------------------------------------------------------
const matches = (sqlite: Database, table: string, match: string) =>
  sqlite.query<{ rowid: number }, [string]>(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? ORDER BY rowid DESC`).all(match).map((r) => r.rowid)

/** The after order's key of the row 90% in: within the name tier if it holds 90% of the matches, else within the rest. */
function afterDeepCursor(request: ListRequest): string | undefined {
  const match = toFtsQuery(request.q!)!
  const name = matches(afterDb, 'products_name_fts', `{name} : (${match})`)
  const rest = matches(afterDb, 'products_fts', `({name description sku} : (${match})) NOT ({name} : (${match}))`)
  const at = Math.floor((name.length + rest.length) * 0.9)
  if (at === 0) return undefined
  const tag = `relevance:${fingerprint(request)}`
  return at < name.length ? encodeCursor([tag, 1, name[at]!]) : encodeCursor([tag, 0, rest[at - name.length]!])
}

/** The before order's key (relevance, created_at, id) of the row 90% in: its own full ranking, once. */
function beforeDeepCursor(request: ListRequest): string | undefined {
  const hits = (column: number, text: string) => `length(highlight(products_fts, ${column}, char(1), '')) - length(${text})`
  const rows = beforeDb!
    .query<{ relevance: number; created_at: string; id: string }, [string]>(
      `SELECT relevance, created_at, id FROM (SELECT p.created_at, p.id, 4 * (${hits(0, 'p.name')}) + 2 * (${hits(2, 'p.sku')}) + min(${hits(1, 'p.description')}, 3) AS relevance` +
        ` FROM products_fts JOIN products p ON p.rowid = products_fts.rowid WHERE products_fts MATCH ? AND p.active = 1) ORDER BY relevance DESC, created_at DESC, id DESC`,
    )
    .all(toFtsQuery(request.q!)!)
  const row = rows[Math.floor(rows.length * 0.9)]
  return row ? encodeCursor([`relevance:${fingerprint(request)}`, row.relevance, row.created_at, row.id]) : undefined
}

/** A sorted search's cursor 90% in (same key in both: the sort's value and id). */
function sortedDeepCursor(sqlite: Database, request: ListRequest): string | undefined {
  const rows = sqlite
    .query<{ price_cents: number; id: string }, [string]>(
      `SELECT price_cents, id FROM products p WHERE p.active = 1 AND p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?) ORDER BY price_cents, id`,
    )
    .all(toFtsQuery(request.q!)!)
  const row = rows[Math.floor(rows.length * 0.9)]
  return row ? encodeCursor([`price:${fingerprint(request)}`, row.price_cents, row.id]) : undefined
}

// --- cases -----------------------------------------------------------------------------------------
interface Case {
  label: string
  request: ListRequest
  page: 'first' | 'deep' | 'boundary'
}
const base = { limit: 20, includeInactive: false }
const QUERIES: [string, Partial<ListRequest>][] = [
  ['word in every product: and', { q: 'and' }],
  ['common name word: oak', { q: 'oak' }],
  ['rare word (one sku)', { q: 'RARE' }],
  ['two words: sturdy oak', { q: 'sturdy oak' }],
  ['short prefix: ch', { q: 'ch' }],
  ['6-letter prefix of every product: everyd', { q: 'everyd' }],
  ['7-letter prefix of every product: everyda', { q: 'everyda' }],
  ['and + category=kitchen', { q: 'and', category: 'kitchen' }],
  ['and + category of 100 products', { q: 'and', category: 'clearance' }],
  ['and + min_price=59000 (0.3% pass)', { q: 'and', minPrice: 59_000 }],
  ['and, sort=price', { q: 'and', sort: 'price' }],
  ['oak, sort=price', { q: 'oak', sort: 'price' }],
]
const cases: Case[] = []
// The number of the sku of the product in the middle: a word of one product.
const middleSku = afterDb.query<{ sku: string }, []>('SELECT sku FROM products WHERE rowid = (SELECT max(rowid) / 2 FROM products)').get()!.sku
for (const [label, filters] of QUERIES) {
  if (filters.q === 'RARE') filters.q = middleSku.split('-').pop()!
  if (flags.only && !label.includes(flags.only)) continue
  const request = { ...base, ...filters }
  cases.push({ label, request, page: 'first' })
  if (!filters.category && !filters.minPrice) cases.push({ label, request, page: 'deep' })
  if (!filters.sort && !filters.category && !filters.minPrice) cases.push({ label, request, page: 'boundary' })
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
const round2 = (n: number) => Math.round(n * 100) / 100
const summary = (durations: number[]) => {
  const sorted = [...durations].sort((a, b) => a - b)
  return sorted.length ? { p50Ms: round2(percentile(sorted, 50)), p99Ms: round2(percentile(sorted, 99)), n: sorted.length } : null
}

const results: unknown[] = []
console.log(`${products.toLocaleString('en-US')} products\n`)
console.log(`${'case'.padEnd(46)} ${'page'.padEnd(9)} ${'before p50/p99 (n)'.padStart(24)} ${'after p50/p99 (n)'.padStart(22)}  rows`)
for (const c of cases) {
  const sorted = c.request.sort !== undefined
  const cursors: { before?: string; after?: string } = {}
  if (c.page === 'deep') {
    cursors.after = sorted ? sortedDeepCursor(afterDb, c.request) : afterDeepCursor(c.request)
    if (before) cursors.before = sorted ? sortedDeepCursor(beforeDb!, c.request) : beforeDeepCursor(c.request)
  } else if (c.page === 'boundary') {
    cursors.after = encodeCursor([`relevance:${fingerprint(c.request)}`, 1, 1])
  }
  const runners: [string, ReturnType<typeof createProductSearch>, string | undefined][] = []
  if (before && c.page !== 'boundary') runners.push(['before', before, cursors.before])
  runners.push(['after', after, cursors.after])
  const durations: Record<string, number[]> = { before: [], after: [] }
  const spent: Record<string, number> = { before: 0, after: 0 }
  const rows: Record<string, number> = {}
  for (const [name, search, cursor] of runners) rows[name] = search.list({ ...c.request, cursor }).rows.length // warm-up
  for (let i = 0; i < maxSamples; i++) {
    let ran = false
    for (const [name, search, cursor] of runners) {
      if (i >= 3 && spent[name]! > seconds * 1000) continue
      const t0 = performance.now()
      search.list({ ...c.request, cursor })
      const ms = performance.now() - t0
      durations[name]!.push(ms)
      spent[name]! += ms
      ran = true
    }
    if (!ran) break
  }
  const b = summary(durations.before!)
  const a = summary(durations.after!)
  const show = (s: ReturnType<typeof summary>) => (s ? `${s.p50Ms}/${s.p99Ms} (${s.n})` : '-')
  console.log(`${c.label.padEnd(46)} ${c.page.padEnd(9)} ${show(b).padStart(24)} ${show(a).padStart(22)}  ${rows.before ?? '-'}/${rows.after}`)
  results.push({ case: c.label, page: c.page, request: c.request, before: b, after: a, rows })
}

mkdirSync(join(import.meta.dir, 'results'), { recursive: true })
const out = join(import.meta.dir, 'results', `search-paging-${new Date().toISOString().replaceAll(':', '-').replace('.', '-')}.json`)
writeFileSync(out, JSON.stringify({ products, before: flags.before ?? null, seconds, maxSamples, results }, null, 2))
console.log(`\nwrote ${out}`)
