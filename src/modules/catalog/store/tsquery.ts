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
 *   `'u@x.com'`, `'2024-01-01'` are single lexemes in a tsvector of the raw text, never split).
 * to_tsquery('simple', …) lowercases every lexeme as the document's to_tsvector does.
 * A document made of SEARCH_TEXT_SQL (src/db/pg/search-text.ts) has unicode61's tokens, so these queries match
 * there exactly as on SQLite (test/modules/catalog/search-parity.test.ts); products.search is still
 * made of the raw text, where a word inside punctuation ('oak' in 'oak.chair') or an unaccented
 * spelling can't match.
 */

/** One spelling of one token of a word, for the scores. */
export interface SearchToken {
  /** Which word (0-based) and where in it (0-based), of how many tokens. */
  word: number
  offset: number
  length: number
  spelling: string
  /** The last token of the last word matches as a prefix. */
  prefix: boolean
}

/** A word of several tokens in one spelling, as typed: it also matches as PostgreSQL's parser reads it whole. */
export interface SearchPhrase {
  word: number
  text: string
  /** The last word: every lexeme of its whole reading is a prefix (as to_tsquery's `:*` on a quoted phrase). */
  prefix: boolean
}

export interface PgSearch {
  /** The tsquery text for to_tsquery('simple', …) that the products.search column is matched with. */
  match: string
  /** Every token of every word, in every spelling: the scores find each word's instances in a column with them. */
  tokens: SearchToken[]
  /** The words of several tokens: FTS5 matches a phrase within one column, so each must be found within one. */
  phrases: SearchPhrase[]
  /** How many words have several tokens. */
  phraseWords: number
}

/** Non-token characters split a word, as unicode61 splits a phrase. */
const NON_TOKEN = /[^\p{L}\p{N}\p{M}]+/u
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u
const DIACRITICS = /[\u0300-\u036f]/g

/** The unaccented spelling: decomposed, combining diacritical marks dropped (as SEARCH_TEXT_SQL of src/db/pg/search-text.ts). */
export const unaccent = (text: string) => text.normalize('NFD').replace(DIACRITICS, '')

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
  const search: PgSearch = { match: '', tokens: [], phrases: [], phraseWords: 0 }
  const parts = words.map((word, i) => {
    const last = i === words.length - 1
    const tokens = word.split(NON_TOKEN).filter((token) => HAS_LETTER_OR_DIGIT.test(token))
    tokens.forEach((token, offset) => {
      const prefix = last && offset === tokens.length - 1
      for (const spelling of spellings(token)) search.tokens.push({ word: i, offset, length: tokens.length, spelling, prefix })
    })
    if (tokens.length === 1) return operand(tokens[0]!, last)
    search.phraseWords++
    for (const spelling of spellings(word)) search.phrases.push({ word: i, text: spelling, prefix: last })
    const phrase = tokens.map((token, k) => operand(token, last && k === tokens.length - 1)).join(' <-> ')
    return `(${phrase} | ${operand(word, last)})`
  })
  search.match = parts.join(' & ')
  return search
}
