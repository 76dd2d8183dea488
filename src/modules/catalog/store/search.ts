import type { Database } from 'bun:sqlite'
import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import { PRODUCT_COLUMNS, type ProductRow } from '../product.ts'
import {
  badCursor,
  checkPriceRange,
  fingerprint,
  searchText,
  searchWords,
  decodeRelevanceCursor,
  RELEVANCE_TIERS,
  toPage,
  toRankedPage,
  unsupportedSearch,
  type RankedRow,
  type ListFilters,
  type ListRequest,
  type ListResult,
} from './listing.ts'

export type { ListFilters, ListRequest, ListResult, Order } from './listing.ts'

/*
 * GET /products as SQL. Every statement is assembled from fixed fragments (never from user text;
 * values are bound), so there are few distinct ones and bun:sqlite's query() cache compiles each once.
 *
 * Paging is keyset: the cursor carries the sort key and id of the last row (of a relevance page,
 * its tier and rowid), and the next page is "after that key" in the same order, so rows inserted
 * meanwhile never shift a page (no duplicates, no omissions of rows that existed). Each sort walks its own index, behind the category index
 * prefix when a category is given; other filters are checked on the rows walked (the unary `+`
 * keeps the planner from switching to a price index and sorting afterwards).
 *
 * With `q` and no `sort`, the order is relevance: two tiers decided by the row's own text and the
 * query only (every word in the name, or not), then the most recently added first (byRelevance).
 * FTS5's bm25 is not used for paging because it depends on statistics of the whole table: an
 * insert between two pages would reorder rows already served; nor is a score counted per match,
 * because it has to be computed for every match before the first page can be sorted.
 */

/**
 * The FTS5 query for what a user typed: each whitespace-separated word becomes a quoted phrase
 * (so `"`, `*`, `NEAR(`, `OR`, `-`, column filters are plain text), all must match, the last one as
 * a prefix. Words without a letter or digit can't match anything the tokenizer indexed and are
 * dropped. Returns null when nothing searchable is left.
 */
export function toFtsQuery(q: string): string | null {
  const words = searchWords(q)
  if (!words.length) return null
  return words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`).join(' ')
}

interface SortKey {
  /** The SQL expression sorted on; the index on it must use the same collation. */
  expr: string
  kind: 'string' | 'number'
  value: (row: ProductRow) => string | number
}

const SORT_KEYS: Record<string, SortKey> = {
  created_at: { expr: 'p.created_at', kind: 'string', value: (row) => row.created_at },
  price: { expr: 'p.price_cents', kind: 'number', value: (row) => row.price_cents },
  name: { expr: 'p.name COLLATE NOCASE', kind: 'string', value: (row) => row.name },
}

const SELECT = PRODUCT_COLUMNS.map((column) => `p.${column}`).join(', ')

/** Tuning that changes only how a page is found, never which rows it holds (tests vary it to take every path). */
export interface SearchTuning {
  /** A sorted search looks its rows up one by one when at least this many of 1,024 sampled products match... */
  denseMatchesPer1024: number
  /** ...and up to this many rows of the sort's index per row of its page, then reads every match instead. */
  probedRowsPerPageRow: number
}
const TUNING: SearchTuning = { denseMatchesPer1024: 256, probedRowsPerPageRow: 8 }

/** The words in the searched columns: the full-text indexes also hold the category's token. */
const inText = (match: string) => `{name description sku} : (${match})`

/**
 * The FTS5 term of the category's token (products.category_key: 'k' and the hex of its UTF-8), or
 * null without a category. Only a superset of the rows the category filter keeps is needed; a
 * category JavaScript might encode otherwise than SQLite (NUL, lone surrogates) goes without.
 */
function categoryTerm(request: ListFilters): string | null {
  const category = request.category
  if (category === undefined || category.includes('\u0000') || !category.isWellFormed()) return null
  return `{category_key} : "k${Buffer.from(category, 'utf8').toString('hex').toUpperCase()}"`
}

/** `observe` sees each SQL text before it runs (tests EXPLAIN them). */
export function createProductSearch(sqlite: Database, observe?: (sql: string, params: Record<string, unknown>) => void, tuning: SearchTuning = TUNING) {
  function filterClauses(filters: ListFilters, sortColumn: string | null, params: Record<string, unknown>) {
    const where: string[] = []
    if (filters.category !== undefined) {
      where.push('p.category = $category')
      params.$category = filters.category
    }
    if (!filters.includeInactive) where.push('p.active = 1')
    // Price bounds seek the price index only when it is the sort's index.
    const price = sortColumn === 'p.price_cents' ? 'p.price_cents' : '+p.price_cents'
    if (filters.minPrice !== undefined) {
      where.push(`${price} >= $min_price`)
      params.$min_price = filters.minPrice
    }
    if (filters.maxPrice !== undefined) {
      where.push(`${price} <= $max_price`)
      params.$max_price = filters.maxPrice
    }
    if (filters.inStock !== undefined) where.push(filters.inStock ? 'p.stock > 0' : 'p.stock = 0')
    return where
  }

  /** Pages in one of the contract's sorts (with or without a search). */
  function sorted(request: ListRequest, match: string | null): ListResult {
    const sort = request.sort ?? '-created_at'
    const descending = sort.startsWith('-')
    const name = descending ? sort.slice(1) : sort
    const key = SORT_KEYS[name]!
    const tag = `${sort}:${fingerprint(request)}`
    const params: Record<string, unknown> = { $limit: request.limit + 1 }
    const where = filterClauses(request, key.expr, params)
    // What the sort's index seeks: the category prefix, price bounds of a price sort, the cursor.
    const seek = where.filter((clause) => clause.startsWith('p.category ') || clause.startsWith('p.price_cents '))
    if (request.cursor !== undefined) {
      const [cursorTag, value, id] = decodeCursor(request.cursor, ['string', key.kind, 'string'])
      if (cursorTag !== tag) throw badCursor()
      // "After (value, id)" written so the first term seeks the index: key >= v AND (key > v OR id > last).
      const [cmpOrEq, cmp] = descending ? ['<=', '<'] : ['>=', '>']
      const after = `${key.expr} ${cmpOrEq} $after_value AND (${key.expr} ${cmp} $after_value OR p.id ${cmp} $after_id)`
      where.push(after)
      seek.push(after)
      params.$after_value = value
      params.$after_id = id
    }
    const direction = descending ? 'DESC' : 'ASC'
    const order = ` ORDER BY ${key.expr} ${direction}, p.id ${direction}`
    const cursorOf = (last: ProductRow) => encodeCursor([tag, key.value(last), last.id])
    const walk = (clauses: string[], columns = SELECT) => `SELECT ${columns} FROM products p` + (clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '') + order
    if (match === null) return toPage(run<ProductRow>(`${walk(where)} LIMIT $limit`, params), request.limit, cursorOf)
    params.$match = inText(match)
    // A word in most products: the first rows of the sort's index, each looked up in the full-text
    // index (20-300 µs a lookup), hold the page. Which case it is, a sample of 1,024 consecutive
    // rowids tells; at most a bounded number of the index's rows are read (filters that reject
    // most of them end it early too), then every match is read instead.
    const { middle } = sqlite.query<{ middle: number | null }, []>('SELECT max(rowid) / 2 AS middle FROM products').get()!
    const sampled = run<{ n: number }>(
      'SELECT count(*) AS n FROM products_fts WHERE products_fts MATCH $match AND rowid > $from AND rowid <= $from + 1024',
      { $match: params.$match, $from: (middle ?? 0) - 512 },
    )[0]!.n
    const probed =
      sampled >= tuning.denseMatchesPer1024
        ? run<ProductRow>(
            `SELECT ${PRODUCT_COLUMNS.join(', ')} FROM (${walk(seek, `${SELECT}, p.rowid AS search_position`)} LIMIT $walk) p WHERE ` +
              [...where, 'EXISTS (SELECT 1 FROM products_fts WHERE products_fts MATCH $match AND products_fts.rowid = p.search_position)'].join(' AND ') +
              `${order} LIMIT $limit`,
            { ...params, $walk: tuning.probedRowsPerPageRow * (request.limit + 1) },
          )
        : []
    if (probed.length > request.limit) return toPage(probed, request.limit, cursorOf)
    // Otherwise every match is read from the full-text index (in the category only, when there is
    // one), then the sort's index walked for them: linear in those matches.
    const category = categoryTerm(request)
    if (category !== null) params.$match = `(${params.$match}) AND ${category}`
    const rows = run<ProductRow>(
      `${walk([...where, 'p.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH $match)'])} LIMIT $limit`,
      params,
    )
    return toPage(rows, request.limit, cursorOf)
  }

  /**
   * Pages a search by relevance: the products whose name holds every word first, then the other
   * matches; in each tier the most recently added first (rowid descending). Each tier is one FTS5
   * walk in rowid order that stops at the page's end: the name tier on products_name_fts (only
   * names indexed, so a word frequent in descriptions costs nothing there), the rest on
   * products_fts with the name tier excluded by NOT (which FTS5 evaluates while it walks). A page
   * reads about limit + 1 matches per tier it visits, plus the rows its filters reject.
   */
  function byRelevance(request: ListRequest, match: string): ListResult {
    const from = decodeRelevanceCursor(request)
    const rows: RankedRow[] = []
    for (const tier of RELEVANCE_TIERS) {
      if (from !== null && tier > from.tier) continue
      const table = tier === 1 ? 'products_name_fts' : 'products_fts'
      const inTier = tier === 1 ? `{name} : (${match})` : `(${inText(match)}) NOT ({name} : (${match}))`
      // In a category, FTS5 walks the category's token with the words: a small category costs little.
      const key = categoryTerm(request)
      const params: Record<string, unknown> = { $limit: request.limit + 1 - rows.length, $match: key === null ? inTier : `(${inTier}) AND ${key}` }
      const where = [`${table} MATCH $match`, ...filterClauses(request, null, params)]
      if (from !== null && tier === from.tier) {
        where.push(`${table}.rowid < $after`)
        params.$after = from.position
      }
      const sql =
        `SELECT ${SELECT}, p.rowid AS search_position, ${tier} AS search_tier FROM ${table} JOIN products p ON p.rowid = ${table}.rowid` +
        ` WHERE ${where.join(' AND ')} ORDER BY ${table}.rowid DESC LIMIT $limit`
      rows.push(...run<RankedRow>(sql, params))
      if (rows.length > request.limit) break
    }
    return toRankedPage(rows, request)
  }

  function run<T>(sql: string, params: Record<string, unknown>): T[] {
    observe?.(sql, params)
    try {
      return sqlite.query<T, [Record<string, any>]>(sql).all(params)
    } catch (error) {
      // Quoting makes every query literal; should FTS5 still refuse one, it is the caller's input.
      if (error instanceof Error && params.$match !== undefined && /fts5|unterminated string|malformed match/i.test(error.message)) {
        throw unsupportedSearch()
      }
      throw error
    }
  }

  return {
    list(request: ListRequest): ListResult {
      checkPriceRange(request)
      const q = searchText(request)
      if (q === undefined) return sorted({ ...request, q: undefined }, null)
      const match = toFtsQuery(q)
      // Only punctuation: nothing indexed can match. Still check the cursor, as any list does.
      if (match === null) {
        if (request.cursor !== undefined) throw badCursor()
        return { rows: [], nextCursor: null }
      }
      return request.sort ? sorted({ ...request, q }, match) : byRelevance({ ...request, q }, match)
    },
  }
}

export type ProductSearch = ReturnType<typeof createProductSearch>
