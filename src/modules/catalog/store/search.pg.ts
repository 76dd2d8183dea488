import type { SQL } from 'bun'
import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import type { ProductRow } from '../product.ts'
import {
  badCursor,
  checkPriceRange,
  decodeRelevanceCursor,
  fingerprint,
  RELEVANCE_TIERS,
  searchText,
  toPage,
  toRankedPage,
  unsupportedSearch,
  type ListRequest,
  type ListResult,
  type RankedRow,
} from './listing.ts'
import { PG_PRODUCT_SELECT } from './columns.pg.ts'
import { cursorNumber, cursorString } from './cursor-values.pg.ts'
import { BOUNDS, PHRASE_HITS, searchCte } from './relevance.pg.ts'
import { Params } from './sql-params.pg.ts'
import { toPgSearch, type PgSearch } from './tsquery.ts'

/*
 * GET /products on PostgreSQL: the twin of search.ts, with the same pages, order and cursors (the
 * cursor's tag, key and id are the same JSON). Statements are assembled from fixed fragments, values
 * bound as $n, so there are few distinct texts.
 *
 * Each sort walks its btree index (behind the category prefix when a category is given) and seeks
 * a later page with a row comparison, `(key, id) > ($v, $id)`, which the index answers. Price bounds
 * are `price_cents + 0` unless the sort is by price, so the planner never trades the sort's index for
 * the price index and a sort afterwards (search.ts's unary `+`).
 *
 * A search starts from the GIN index on products.search: in a search the sort key is written so no
 * btree can produce the order (`key || ''`, `key + 0`), so the planner takes the matches from the
 * index and sorts them, as SQLite reads the FTS5 matches first. Relevance is search.ts's tiers
 * (byRelevance): it depends on the row and the query only, never on table statistics (ts_rank would).
 */

/** How many of the newest products (below the cursor) a relevance tier checks one by one before it uses the GIN indexes. */
const WINDOW = 1024

/** Tuning that changes only how a page is found, never which rows it holds (tests shrink it to take every path). */
export interface PgSearchTuning {
  window: number
  /** What checking a row of a window and reading a match from the GIN index cost (µs, at 1M products). */
  windowRowCost: number
  matchCost: number
}
const TUNING: PgSearchTuning = { window: WINDOW, windowRowCost: 2.5, matchCost: 9 }

interface SortKey {
  /** The expression sorted on: the one its btree indexes. */
  indexed: string
  /** The same order, written so no index produces it (a search sorts its matches). */
  unindexed: string
  /** The cursor's value as a comparable SQL expression. */
  bound: (param: string) => string
  kind: 'string' | 'number'
  value: (row: ProductRow) => string | number
}

const SORT_KEYS: Record<string, SortKey> = {
  created_at: { indexed: 'p.created_at', unindexed: "(p.created_at || '')", bound: (v) => v, kind: 'string', value: (row) => row.created_at },
  price: { indexed: 'p.price_cents', unindexed: '(p.price_cents + 0)', bound: (v) => `${v}::int`, kind: 'number', value: (row) => row.price_cents },
  // SQLite's NOCASE: ASCII letters folded, then byte order (the index is on the same expression).
  name: {
    indexed: 'lower(p.name COLLATE "C")',
    unindexed: `(lower(p.name COLLATE "C") || '')`,
    bound: (v) => `lower(${v}::text COLLATE "C")`,
    kind: 'string',
    value: (row) => row.name,
  },
}

/** `observe` sees each SQL text and its values before it runs (tests EXPLAIN them). */
export function createPgProductSearch(sql: SQL, observe?: (text: string, values: unknown[]) => void, tuning: PgSearchTuning = TUNING) {
  function filterClauses(request: ListRequest, priceIsSortKey: boolean, p: Params) {
    const where: string[] = []
    if (request.category !== undefined) {
      // PostgreSQL text can't hold a NUL, and no stored category has one: nothing matches (SQLite finds nothing either).
      where.push(request.category.includes('\u0000') ? 'false' : `p.category = ${p.add(request.category)}`)
    }
    if (!request.includeInactive) where.push('p.active')
    const price = priceIsSortKey ? 'p.price_cents' : '(p.price_cents + 0)'
    if (request.minPrice !== undefined) where.push(`${price} >= ${p.add(request.minPrice)}::int`)
    if (request.maxPrice !== undefined) where.push(`${price} <= ${p.add(request.maxPrice)}::int`)
    if (request.inStock !== undefined) where.push(request.inStock ? 'p.stock > 0' : 'p.stock = 0')
    return where
  }

  /** Pages in one of the contract's sorts (with or without a search). */
  async function sorted(request: ListRequest, search: PgSearch | null): Promise<ListResult> {
    const sort = request.sort ?? '-created_at'
    const descending = sort.startsWith('-')
    const name = descending ? sort.slice(1) : sort
    const key = SORT_KEYS[name]!
    const expr = search ? key.unindexed : key.indexed
    const tag = `${sort}:${fingerprint(request)}`
    const p = new Params()
    // A word of several tokens must be found within one column: the checks of the relevance's count.
    const phrases = search !== null && search.phraseWords > 0
    const cte = search ? searchCte(p, search, phrases) : ''
    const where = filterClauses(request, name === 'price' && !search, p)
    if (search) where.push('p.search @@ query.match')
    if (phrases) where.push(`hits.phrases_found = ${p.add(search.phraseWords)}`)
    if (request.cursor !== undefined) {
      const [cursorTag, value, id] = decodeCursor(request.cursor, ['string', key.kind, 'string'])
      if (cursorTag !== tag) throw badCursor()
      const after: { value: string | number; id?: string } =
        key.kind === 'number' ? cursorNumber(value as number, descending) : { value: cursorString(value as string) }
      const afterId = after.id ?? cursorString(id as string)
      where.push(`(${expr}, p.id) ${descending ? '<' : '>'} (${key.bound(p.add(after.value))}, ${p.add(afterId)})`)
    }
    const direction = descending ? 'DESC' : 'ASC'
    const text =
      cte +
      `SELECT ${PG_PRODUCT_SELECT} FROM products p${search ? ', query' : ''}${phrases ? `, ${BOUNDS}, ${PHRASE_HITS}` : ''}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${expr} ${direction}, p.id ${direction} LIMIT ${p.add(request.limit + 1)}::int`
    const rows = await run<ProductRow>(text, p.values, search !== null)
    return toPage(rows, request.limit, (last) => encodeCursor([tag, key.value(last), last.id]))
  }

  /**
   * Pages a search by relevance (listing.ts): the name tier, then the rest, each newest-added
   * first, as search.ts. A GIN index can't produce seq order, so each tier first checks the newest
   * `window` products (below the cursor) one by one, walking products_seq_idx: a word in many
   * products fills the page there. A word in a few of them: a larger window as its share says,
   * or its matches from the GIN index, sorted, whichever costs less (the worst case, at the
   * crossing, grows as the square root of the catalog). None: the GIN index. The word common but
   * the filters rejecting most rows: the planner picks the path.
   */
  async function byRelevance(request: ListRequest, search: PgSearch): Promise<ListResult> {
    const from = decodeRelevanceCursor(request)
    const rows: RankedRow[] = []
    for (const tier of RELEVANCE_TIERS) {
      if (from !== null && tier > from.tier) continue
      const start = from !== null && tier === from.tier ? from.position : null
      const limit = request.limit + 1 - rows.length
      const first = await inWindow(request, search, tier, start, limit, tuning.window)
      if (first.found.length >= limit) {
        rows.push(...first.found)
        break
      }
      const kind = first.matches < limit ? 'matches' : 'planner'
      if (first.matches > 0 && first.matches < limit) {
        // A word in about matches/window of the products: a window that holds the page costs
        // windowRowCost a row, the GIN path matchCost a match; the cheaper is taken.
        // Sized by the share of rows that made the page (filters included), twice over for chance.
        const needed = Math.ceil(((tuning.window * limit) / Math.max(first.found.length, 1)) * 2)
        const estimatedMatches = (first.matches / tuning.window) * first.newest
        if (needed * tuning.windowRowCost < estimatedMatches * tuning.matchCost) {
          const second = await inWindow(request, search, tier, start, limit, needed)
          if (second.found.length >= limit) {
            rows.push(...second.found)
            break
          }
        }
      }
      const rest = await run<RankedRow & { serial_plan?: string }>(...tierStatement(request, search, tier, start, limit, kind, 0), true)
      rows.push(...rest.map(({ serial_plan: _, ...row }) => row as RankedRow))
      if (rows.length > request.limit) break
    }
    return toRankedPage(rows, request)
  }

  /** A tier's page among the newest `size` products below `start`, how many of them match the words, and the newest seq. */
  async function inWindow(request: ListRequest, search: PgSearch, tier: number, start: number | null, limit: number, size: number) {
    const window = await run<RankedRow & { window_matches: number; newest: number | string | null }>(...tierStatement(request, search, tier, start, limit, 'window', size), true)
    const found = window.filter((row) => row.id !== null).map(({ window_matches: _, newest: __, ...row }) => row as RankedRow)
    return { found, matches: window[0]!.window_matches, newest: Number(window[0]!.newest ?? 0) }
  }

  /**
   * One tier's statement: `window` its page among the newest `window` products below `start`, with
   * how many of them match the words (filters aside) on every row, or on one row of nulls when none
   * is on the page; `matches` its page from the GIN index, sorted; `planner` its page by whichever
   * path the planner picks.
   */
  function tierStatement(request: ListRequest, search: PgSearch, tier: number, start: number | null, limit: number, kind: 'window' | 'matches' | 'planner', size: number): [string, unknown[]] {
    const p = new Params()
    // The name tier's rows have every word within the name, so each word of several tokens within one column.
    const phrases = tier === 0 && search.phraseWords > 0
    const cte = phrases ? searchCte(p, search, true) : ''
    // The tsquery inline, not from the CTE, so the planner estimates its matches from the GIN statistics.
    const match = `to_tsquery('simple', ${p.add(search.match)})`
    // A name holding every word is a row that matches: the name tier needs only its own index.
    const words = tier === 1 ? [`p.name_search @@ ${match}`] : [`p.search @@ ${match}`, `NOT (p.name_search @@ ${match})`]
    if (phrases) words.push(`hits.phrases_found = ${p.add(search.phraseWords)}`)
    const below = start === null ? null : `p.seq < ${p.add(start)}::bigint`
    const filters = filterClauses(request, false, p)
    const laterals = phrases ? `, query, ${BOUNDS}, ${PHRASE_HITS}` : ''
    const columns = `${PG_PRODUCT_SELECT}, p.seq AS search_position, ${tier} AS search_tier`
    const page = (clauses: string[], order: string) => ` WHERE ${clauses.join(' AND ')} ORDER BY ${order} DESC LIMIT ${p.add(limit)}::int`
    if (kind === 'window') {
      const newest = `(SELECT * FROM products p${below === null ? '' : ` WHERE ${below}`} ORDER BY p.seq DESC LIMIT ${p.add(size)}::int) p`
      return [
        `${cte ? `${cte.trimEnd()}, ` : 'WITH '}newest_matches AS MATERIALIZED (SELECT p.* FROM ${newest}${laterals} WHERE ${words.join(' AND ')})` +
          ` SELECT (SELECT count(*)::int FROM newest_matches) AS window_matches, (SELECT max(seq) FROM products) AS newest, page.* FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT ${columns} FROM newest_matches p` +
          `${filters.length ? page(filters, 'p.seq') : ` ORDER BY p.seq DESC LIMIT ${p.add(limit)}::int`}) page ON true`,
        p.values,
      ]
    }
    const clauses = [...filters, ...words, ...(below === null ? [] : [below])]
    if (kind === 'planner') return [`${cte}SELECT ${columns} FROM products p${laterals}${page(clauses, 'p.seq')}`, p.values]
    // `seq + 0`: no btree gives that order, so the matches come from the GIN index. current_schema()
    // is parallel unsafe: the generic plan a prepared statement turns to after five runs, blind to
    // how rare the word is, would otherwise start parallel workers (10 ms) for a handful of rows.
    return [`${cte}SELECT ${columns}, current_schema() AS serial_plan FROM products p${laterals}${page(clauses, '(p.seq + 0)')}`, p.values]
  }

  async function run<T>(text: string, values: unknown[], searching: boolean): Promise<T[]> {
    observe?.(text, values)
    try {
      return (await sql.unsafe(text, values as never[])) as T[]
    } catch (error) {
      // Quoting makes every tsquery literal; should PostgreSQL still refuse one (42601 syntax, 54000 too large), it is the caller's input.
      const code = (error as { errno?: string } | null)?.errno
      if (searching && (code === '42601' || code === '54000')) throw unsupportedSearch()
      throw error
    }
  }

  return {
    async list(request: ListRequest): Promise<ListResult> {
      checkPriceRange(request)
      const q = searchText(request)
      if (q === undefined) return sorted({ ...request, q: undefined }, null)
      const search = toPgSearch(q)
      // Only punctuation: nothing indexed can match. Still check the cursor, as any list does.
      if (search === null) {
        if (request.cursor !== undefined) throw badCursor()
        return { rows: [], nextCursor: null }
      }
      return request.sort ? sorted({ ...request, q }, search) : byRelevance({ ...request, q }, search)
    },
  }
}

export type PgProductSearch = ReturnType<typeof createPgProductSearch>
