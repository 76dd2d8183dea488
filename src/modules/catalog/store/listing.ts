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
 * The words a user typed, as both dialects search them: split at whitespace and control
 * characters, lone surrogates replaced; words without a letter or digit can't match anything
 * either tokenizer indexed and are dropped.
 */
export const searchWords = (q: string): string[] =>
  q
    .toWellFormed()
    .split(SEPARATORS)
    .filter((word) => WORD.test(word))

/** The first `limit` rows, and a cursor after the last of them when the query found one more. */
export function toPage<T extends ProductRow>(rows: T[], limit: number, cursorOf: (last: T) => string): ListResult {
  const more = rows.length > limit
  const pageRows = more ? rows.slice(0, limit) : rows
  return { rows: pageRows, nextCursor: more ? cursorOf(pageRows[pageRows.length - 1]!) : null }
}
