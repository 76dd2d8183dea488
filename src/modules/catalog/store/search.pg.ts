import type { SQL } from 'bun'
import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import type { ProductRow } from '../product.ts'
import { badCursor, checkPriceRange, fingerprint, searchText, toPage, unsupportedSearch, type ListRequest, type ListResult } from './listing.ts'
import { PG_PRODUCT_SELECT } from './columns.pg.ts'
import { cursorNumber, cursorString } from './cursor-values.pg.ts'
import { SEARCH_TEXT_SQL, toPgSearch, type PgSearch, type SearchToken } from './tsquery.ts'

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
 * index and sorts them, as SQLite reads the FTS5 matches first. Relevance is search.ts's score
 * (4 per match in the name, 2 in the sku, 1 in the description up to 3), counted on each column's
 * own tsvector, then newest first, then id: it depends on the row and the query only, never on
 * table statistics (ts_rank would be too, but it can't tell the columns apart).
 */

/**
 * A tsvector of one column as FTS5 tokenizes it (SEARCH_TEXT_SQL: unaccented, split at punctuation):
 * what the scores count and each phrase is checked in.
 */
const columnVector = (column: string) => `to_tsvector('simple', ${SEARCH_TEXT_SQL(column)})`

/**
 * SQLite's match count of a column: FTS5's highlight() marks each instance of a word's phrase and
 * merges instances that overlap. Here an instance is a start position where every token of a word
 * is found at its offset; the count is of the groups of overlapping instances (an instance starts a
 * new group when it begins after every earlier one ended).
 */
const hits = (vector: string) =>
  `(SELECT count(*)::int FROM (` +
  `SELECT head, max(tail) OVER (ORDER BY head, tail ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached FROM (` +
  `SELECT at.pos - token.place AS head, at.pos - token.place + token.length - 1 AS tail` +
  ` FROM unnest(${vector}) lexeme, unnest(lexeme.positions) at(pos), query_tokens token` +
  ` WHERE lexeme.lexeme = token.lexeme OR (token.prefix AND lexeme.lexeme ^@ token.lexeme)` +
  ` GROUP BY token.word, token.length, at.pos - token.place HAVING count(DISTINCT token.place) = token.length` +
  `) instances) ordered WHERE reached IS NULL OR reached < head)`

/** Every phrase (a word of several tokens) matches within one column: the concatenated search document would let it span two. */
const phrasesWithinColumns = (name: string, description: string, sku: string) =>
  `NOT EXISTS (SELECT 1 FROM unnest(query.phrases) ph WHERE NOT (${name} @@ ph OR ${description} @@ ph OR ${sku} @@ ph))`

/**
 * The query, once per statement: the tsquery and the phrases; with `tokens`, also every token
 * spelling as to_tsvector spells it (ts_lexize: the 'simple' dictionary's lowercasing).
 */
function queryCte(p: Params, search: PgSearch, tokens: boolean) {
  let text =
    `WITH query AS (SELECT to_tsquery('simple', ${p.add(search.match)}) AS match,` +
    ` ARRAY(SELECT to_tsquery('simple', t) FROM unnest(${p.add(search.phrases)}::text[]) t) AS phrases)`
  if (tokens) {
    const column = <K extends keyof SearchToken>(key: K) => p.add(search.tokens.map((token) => token[key]))
    text +=
      `, query_tokens AS MATERIALIZED (SELECT t.word, t.place, t.length, (ts_lexize('simple', t.spelling))[1] AS lexeme, t.prefix` +
      ` FROM unnest(${column('word')}::int[], ${column('offset')}::int[], ${column('length')}::int[], ${column('spelling')}::text[], ${column('prefix')}::bool[])` +
      ` AS t(word, place, length, spelling, prefix))`
  }
  return `${text} `
}

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

/** Bound values, numbered as they are added. */
class Params {
  readonly values: unknown[] = []
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

/** `observe` sees each SQL text and its values before it runs (tests EXPLAIN them). */
export function createPgProductSearch(sql: SQL, observe?: (text: string, values: unknown[]) => void) {
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
    const cte = search ? queryCte(p, search, false) : ''
    const where = filterClauses(request, name === 'price' && !search, p)
    if (search) {
      where.push('p.search @@ query.match')
      where.push(phrasesWithinColumns(columnVector('p.name'), columnVector('p.description'), columnVector('p.sku')))
    }
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
      `SELECT ${PG_PRODUCT_SELECT} FROM products p${search ? ', query' : ''}` +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ` ORDER BY ${expr} ${direction}, p.id ${direction} LIMIT ${p.add(request.limit + 1)}::int`
    const rows = await run<ProductRow>(text, p.values, search !== null)
    return toPage(rows, request.limit, (last) => encodeCursor([tag, key.value(last), last.id]))
  }

  /** Pages a search by relevance, then newest first, then id. */
  async function byRelevance(request: ListRequest, search: PgSearch): Promise<ListResult> {
    const tag = `relevance:${fingerprint(request)}`
    const p = new Params()
    const cte = queryCte(p, search, true)
    const where = filterClauses(request, false, p)
    let after = ''
    if (request.cursor !== undefined) {
      const [cursorTag, relevance, createdAt, id] = decodeCursor(request.cursor, ['string', 'number', 'string', 'string'])
      if (cursorTag !== tag) throw badCursor()
      const bound = cursorNumber(relevance as number, true)
      const values = bound.id === undefined ? [bound.value, cursorString(createdAt as string), cursorString(id as string)] : [bound.value, '', '']
      after = ` WHERE (relevance, created_at, id) < (${p.add(values[0])}::int, ${p.add(values[1])}, ${p.add(values[2])})`
    }
    const text =
      cte +
      `SELECT * FROM (SELECT ${PG_PRODUCT_SELECT}, 4 * ${hits('v.name')} + 2 * ${hits('v.sku')} + least(${hits('v.description')}, 3) AS relevance` +
      ` FROM products p, query,` +
      // OFFSET 0 keeps the subquery whole: each column's tsvector is computed once per match, not once per use.
      ` LATERAL (SELECT ${columnVector('p.name')} AS name, ${columnVector('p.description')} AS description, ${columnVector('p.sku')} AS sku OFFSET 0) v` +
      ` WHERE p.search @@ query.match AND ${phrasesWithinColumns('v.name', 'v.description', 'v.sku')}` +
      (where.length ? ` AND ${where.join(' AND ')}` : '') +
      `) ranked${after} ORDER BY relevance DESC, created_at DESC, id DESC LIMIT ${p.add(request.limit + 1)}::int`
    const rows = await run<ProductRow & { relevance: number }>(text, p.values, true)
    return toPage(rows, request.limit, (last) => encodeCursor([tag, last.relevance, last.created_at, last.id]))
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
