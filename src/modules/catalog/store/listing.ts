import { decodeCursor, encodeCursor } from '../../../lib/cursor.ts'
import { ValidationFailedError } from '../../../lib/errors.ts'
import type { Sort } from '../model.ts'
import type { ProductRow } from '../product.ts'

/*
 * What GET /products means whatever the dialect: the request, the page, the cursor's binding to
 * its filters and the words of a search. search.ts (SQLite) and search.pg.ts (PostgreSQL) turn it
 * into SQL; sharing this is what makes their pages and cursors the same.
 */

export type Order = Sort | 'relevance'

export interface ListFilters {
  q?: string
  category?: string
  minPrice?: number
  maxPrice?: number
  inStock?: boolean
  /** Administrators also see inactive products. */
  includeInactive: boolean
}

export interface ListRequest extends ListFilters {
  sort?: Sort
  limit: number
  cursor?: string
}

export interface ListResult {
  rows: ProductRow[]
  nextCursor: string | null
}

/** Short fingerprint of the filters, so a cursor can't be replayed against another query. */
export const fingerprint = (filters: ListFilters) =>
  Bun.hash(JSON.stringify([filters.q ?? null, filters.category ?? null, filters.minPrice ?? null, filters.maxPrice ?? null, filters.inStock ?? null]))
    .toString(36)

export const badCursor = () =>
  new ValidationFailedError('The cursor is not valid for this query.', [{ path: '/cursor', message: 'invalid cursor', in: 'query' }])

/** A search the database refused although every word was quoted: the caller's input, not a 500. */
export const unsupportedSearch = () =>
  new ValidationFailedError('The search query could not be used.', [{ path: '/q', message: 'unsupported search', in: 'query' }])

export function checkPriceRange(request: ListFilters) {
  if (request.minPrice !== undefined && request.maxPrice !== undefined && request.minPrice > request.maxPrice) {
    throw new ValidationFailedError('min_price is greater than max_price.', [
      { path: '/min_price', message: 'must not be greater than max_price', in: 'query' },
    ])
  }
}

/** The search text, or undefined when q is absent or blank (then it lists as without q). */
export const searchText = (request: ListFilters) => (request.q?.trim() ? request.q : undefined)

const WORD = /[\p{L}\p{N}]/u
/** Control characters separate words: FTS5 reads a NUL as the end of the query ("unterminated string"). */
const SEPARATORS = /[\s\p{Cc}]+/u

/**
 * The longest prefix the last word is matched with, in characters: FTS5 keeps a prefix index of
 * 1 to 6 characters (migration 0007), which a prefix query of that length walks lazily; a longer
 * one would merge the doclist of every term it matches before its first row (linear in matches).
 */
export const PREFIX_CHARACTERS = 6

/** The last token of a word (letters, digits and their marks, as unicode61 reads tokens) and what follows it. */
const LAST_TOKEN = /([\p{L}\p{N}\p{M}]+)[^\p{L}\p{N}\p{M}]*$/u

/** The word with its last token cut to PREFIX_CHARACTERS code points (and the punctuation after it dropped). */
function prefixOf(word: string): string {
  const last = LAST_TOKEN.exec(word)
  if (!last) return word
  const token = Array.from(last[1]!)
  return token.length <= PREFIX_CHARACTERS ? word : word.slice(0, last.index) + token.slice(0, PREFIX_CHARACTERS).join('')
}

/**
 * The words a user typed, as both dialects search them: split at whitespace and control
 * characters, lone surrogates replaced; words without a letter or digit can't match anything
 * either tokenizer indexed and are dropped. The last word is a prefix of at most its first
 * PREFIX_CHARACTERS characters ('everyday' finds what 'everyd' finds).
 */
export function searchWords(q: string): string[] {
  const words = q
    .toWellFormed()
    .split(SEPARATORS)
    .filter((word) => WORD.test(word))
  if (words.length) words[words.length - 1] = prefixOf(words[words.length - 1]!)
  return words
}

/** The first `limit` rows, and a cursor after the last of them when the query found one more. */
export function toPage<T extends ProductRow>(rows: T[], limit: number, cursorOf: (last: T) => string): ListResult {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  return { rows: pageRows, nextCursor: more ? cursorOf(pageRows[pageRows.length - 1]!) : null }
}

/**
 * Relevance, the order of a search without `sort`: the tiers, best first. A product is in the first
 * when its name holds every word of the query (as the whole row must), else in the second; within
 * a tier the most recently added product comes first (SQLite's rowid, PostgreSQL's products.seq).
 */
export const RELEVANCE_TIERS = [1, 0] as const

/** Where a relevance page starts: after the product `position` (rowid or seq) of `tier`. */
export interface RelevanceStart {
  tier: number
  position: number
}

export const relevanceTag = (request: ListFilters) => `relevance:${fingerprint(request)}`

/** A relevance cursor of this query, or a 400 (forged ones included: a tier or position that no row has). */
export function decodeRelevanceCursor(request: ListRequest): RelevanceStart | null {
  if (request.cursor === undefined) return null
  const [tag, tier, position] = decodeCursor(request.cursor, ['string', 'number', 'number'])
  if (tag !== relevanceTag(request) || !RELEVANCE_TIERS.includes(tier as 0 | 1) || !Number.isSafeInteger(position)) throw badCursor()
  return { tier: tier as number, position: position as number }
}

/** A relevance candidate with its key (the SQL names them so no product column is shadowed). */
export type RankedRow = ProductRow & { search_tier: number; search_position: number | string }

/** The page of ranked rows, their keys removed, with a cursor after the last one's. */
export function toRankedPage(rows: RankedRow[], request: ListRequest): ListResult {
  const page = toPage(rows, request.limit, (last) => encodeCursor([relevanceTag(request), Number(last.search_tier), Number(last.search_position)]))
  for (const row of page.rows as Partial<RankedRow>[]) {
    delete row.search_tier
    delete row.search_position
  }
  return page
}
