import { searchWords } from './listing.ts'

/*
 * What a user typed, as PostgreSQL full-text search: the twin of toFtsQuery (search.ts). FTS5 reads
 * each word as a quoted phrase of unicode61 tokens (letters, digits and their marks), all words
 * required, the last one's last token a prefix; it folds case and diacritics. Here:
 * - each word is split into the same tokens and becomes `'t1' <-> 't2'`, every token quoted (so no
 *   operator, quote or backslash of the user's is syntax), the last one of the last word `:*`;
 * - a token with diacritics also matches its unaccented spelling (`('crème' | 'creme')`), so either
 *   spelling of the document matches, as on SQLite;
 * - a word of several tokens also matches as PostgreSQL's parser reads it whole (`'oak.chair'`,
 *   `'u@x.com'`, `'2024-01-01'` are single lexemes in the document's tsvector, never split).
 * to_tsquery('simple', …) lowercases every lexeme as the document's to_tsvector does.
 */

export interface PgSearch {
  /** The tsquery text for to_tsquery('simple', …) that the products.search column is matched with. */
  match: string
  /** The tokens of single-token words (every spelling), scored once per occurrence in a column. */
  terms: string[]
  /** The same for the last word, matched as a prefix. */
  prefixes: string[]
  /**
   * Words of several tokens, each a tsquery text: FTS5 matches a phrase within one column, so each
   * must match some column's own tsvector, and scores once per column it matches.
   */
  phrases: string[]
}

/** Non-token characters split a word, as unicode61 splits a phrase. */
const NON_TOKEN = /[^\p{L}\p{N}\p{M}]+/u
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u
const DIACRITICS = /[\u0300-\u036f]/g

/** The unaccented spelling: decomposed, combining diacritical marks dropped (UNACCENTED_SQL does the same to the document). */
export const unaccent = (text: string) => text.normalize('NFD').replace(DIACRITICS, '')

/** The SQL twin of `unaccent` for a text expression. */
export const UNACCENTED_SQL = (expr: string) => `regexp_replace(normalize(${expr}, NFD), '[\\u0300-\\u036f]', '', 'g')`

/** A tsquery operand that is only ever a literal: quoted, with quotes doubled and backslashes escaped. */
const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`

const spellings = (text: string) => [...new Set([text, unaccent(text)])].filter((spelling) => HAS_LETTER_OR_DIGIT.test(spelling))

function operand(text: string, prefix: boolean) {
  const alternatives = spellings(text).map((spelling) => quote(spelling) + (prefix ? ':*' : ''))
  return alternatives.length > 1 ? `(${alternatives.join(' | ')})` : alternatives[0]!
}

/** Returns null when no word is left (only punctuation), as toFtsQuery does. */
export function toPgSearch(q: string): PgSearch | null {
  const words = searchWords(q)
  if (!words.length) return null
  const search: PgSearch = { match: '', terms: [], prefixes: [], phrases: [] }
  const parts = words.map((word, i) => {
    const last = i === words.length - 1
    const tokens = word.split(NON_TOKEN).filter((token) => HAS_LETTER_OR_DIGIT.test(token))
    if (tokens.length === 1) {
      ;(last ? search.prefixes : search.terms).push(...spellings(tokens[0]!))
      return operand(tokens[0]!, last)
    }
    const phrase = tokens.map((token, k) => operand(token, last && k === tokens.length - 1)).join(' <-> ')
    const text = `(${phrase} | ${operand(word, last)})`
    search.phrases.push(text)
    return text
  })
  search.match = parts.join(' & ')
  return search
}
