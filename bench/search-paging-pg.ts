/**
 * GET /products?q= on PostgreSQL in process, before and after (issue #19): bench/search-paging.ts's
 * cases on a database seeded by `kiosk seed --demo` with DATABASE_URL set (this checkout's schema;
 * the "before" module ignores the columns it adds). The two implementations alternate.
 *
 *   bun bench/search-paging-pg.ts --url postgres://…/db --before ../main/src/modules/catalog/store/search.pg.ts [--seconds 2] [--samples 100]
 *
 * Deep pages (after only) start 90% into the relevance order. Prints a table; writes
 * bench/results/search-paging-pg-<timestamp>.json.
 */
import { SQL } from 'bun'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { encodeCursor } from '../src/lib/cursor.ts'
import { fingerprint, type ListRequest } from '../src/modules/catalog/store/listing.ts'
import { createPgProductSearch } from '../src/modules/catalog/store/search.pg.ts'
import { toPgSearch } from '../src/modules/catalog/store/tsquery.ts'

const { values: flags } = parseArgs({
  options: { url: { type: 'string' }, before: { type: 'string' }, seconds: { type: 'string', default: '2' }, samples: { type: 'string', default: '100' } },
})
if (!flags.url) throw new Error('--url postgres://… is required')
const sql = new SQL(flags.url, { max: 2 })
await sql.unsafe('ANALYZE products')
const after = createPgProductSearch(sql)
const before = flags.before
  ? ((await import(resolve(flags.before))) as { createPgProductSearch: typeof createPgProductSearch }).createPgProductSearch(sql)
  : null
const [{ n: products }] = (await sql.unsafe('SELECT count(*)::int AS n FROM products')) as [{ n: number }]
const [{ sku: middleSku }] = (await sql.unsafe('SELECT sku FROM products ORDER BY seq OFFSET (SELECT count(*) / 2 FROM products) LIMIT 1')) as [{ sku: string }]

async function deepCursor(request: ListRequest): Promise<string | undefined> {
  const match = toPgSearch(request.q!)!.match
  const tier = async (inName: boolean) =>
    ((await sql.unsafe(
      `SELECT seq::float8 AS seq FROM products WHERE active AND search @@ to_tsquery('simple', $1) AND ${inName ? '' : 'NOT '}(name_search @@ to_tsquery('simple', $1)) ORDER BY seq DESC`,
      [match],
    )) as { seq: number }[]).map((row) => row.seq)
  const [name, rest] = [await tier(true), await tier(false)]
  const at = Math.floor((name.length + rest.length) * 0.9)
  if (at === 0) return undefined
  const tag = `relevance:${fingerprint(request)}`
  return at < name.length ? encodeCursor([tag, 1, name[at]!]) : encodeCursor([tag, 0, rest[at - name.length]!])
}

const base = { limit: 20, includeInactive: false }
const QUERIES: [string, Partial<ListRequest>][] = [
  ['word in every product: and', { q: 'and' }],
  ['common name word: oak', { q: 'oak' }],
  ['rare word (one sku)', { q: middleSku.split('-').pop()! }],
  ['two words: sturdy oak', { q: 'sturdy oak' }],
  ['short prefix: ch', { q: 'ch' }],
  ['long word of every product: everyday', { q: 'everyday' }],
  ['and + category=kitchen', { q: 'and', category: 'kitchen' }],
  ['and + min_price=59000 (0.3% pass)', { q: 'and', minPrice: 59_000 }],
  ['and, sort=price', { q: 'and', sort: 'price' }],
]
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
const round2 = (n: number) => Math.round(n * 100) / 100
const summary = (durations: number[]) => {
  const sorted = [...durations].sort((a, b) => a - b)
  return sorted.length ? { p50Ms: round2(percentile(sorted, 50)), p99Ms: round2(percentile(sorted, 99)), n: sorted.length } : null
}
const show = (s: ReturnType<typeof summary>) => (s ? `${s.p50Ms}/${s.p99Ms} (${s.n})` : '-')

console.log(`${products.toLocaleString('en-US')} products (PostgreSQL)\n`)
console.log(`${'case'.padEnd(46)} ${'page'.padEnd(6)} ${'before p50/p99 (n)'.padStart(24)} ${'after p50/p99 (n)'.padStart(22)}`)
const results: unknown[] = []
for (const [label, filters] of QUERIES) {
  const request = { ...base, ...filters }
  for (const page of filters.sort || filters.category || filters.minPrice ? ['first'] : ['first', 'deep']) {
    const cursor = page === 'deep' ? await deepCursor(request) : undefined
    const runners: [string, ReturnType<typeof createPgProductSearch>][] = before && page === 'first' ? [['before', before], ['after', after]] : [['after', after]]
    const durations: Record<string, number[]> = { before: [], after: [] }
    const spent: Record<string, number> = { before: 0, after: 0 }
    for (const [, search] of runners) await search.list({ ...request, cursor }) // warm-up
    for (let i = 0; i < Number(flags.samples); i++) {
      let ran = false
      for (const [name, search] of runners) {
        if (i >= 3 && spent[name]! > Number(flags.seconds) * 1000) continue
        const t0 = performance.now()
        await search.list({ ...request, cursor })
        const ms = performance.now() - t0
        durations[name]!.push(ms)
        spent[name]! += ms
        ran = true
      }
      if (!ran) break
    }
    const [b, a] = [summary(durations.before!), summary(durations.after!)]
    console.log(`${label.padEnd(46)} ${page.padEnd(6)} ${show(b).padStart(24)} ${show(a).padStart(22)}`)
    results.push({ case: label, page, request, before: b, after: a })
  }
}
await sql.close()
mkdirSync(join(import.meta.dir, 'results'), { recursive: true })
const out = join(import.meta.dir, 'results', `search-paging-pg-${new Date().toISOString().replaceAll(':', '-').replace('.', '-')}.json`)
writeFileSync(out, JSON.stringify({ products, results }, null, 2))
console.log(`\nwrote ${out}`)
