import { SEARCH_TEXT_SQL } from '../../../db/pg/search-text.ts'
import type { Params } from './sql-params.pg.ts'
import type { PgSearch, SearchToken } from './tsquery.ts'

/*
 * SQLite's relevance (search.ts) on PostgreSQL: 4 per match in the name, 2 in the sku, 1 in the
 * description up to 3, a match being what FTS5's highlight() marks: an instance of a word's phrase
 * within one column, overlapping instances merged. Counted on the positions of the row's stored
 * products.search (never re-tokenizing the description): the name's tokens are its first
 * positions and the sku's its last, as many as each has alone.
 */

/** ASCII punctuation: the parser keeps it in compound lexemes ('kit-torch', 'oak.chair'), which FTS5 never has; a token's prefix must not count them. */
const COMPOUND = String.raw`'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]'`

/**
 * The query, once per statement: the tsquery; the single-token words' lexemes (ts_lexize spells
 * them as to_tsvector does); with `tokens`, every token of every word at its offset, and the words
 * of several tokens also as the parser reads them whole (their lexemes at their positions).
 */
export function searchCte(p: Params, search: PgSearch, tokens: boolean): string {
  const single = search.tokens.filter((token) => token.length === 1)
  const lexemes = (list: SearchToken[]) => `ARRAY(SELECT (ts_lexize('simple', t))[1] FROM unnest(${p.add(list.map((token) => token.spelling))}::text[]) t)`
  let text =
    `WITH query AS (SELECT to_tsquery('simple', ${p.add(search.match)}) AS match,` +
    ` ${lexemes(single.filter((token) => !token.prefix))} AS terms, ${lexemes(single.filter((token) => token.prefix))} AS prefixes)`
  if (tokens) {
    // Booleans travel as text ('true'/'false', cast back in SQL): postgres.js, the fallback driver, binds a boolean array as one boolean.
    const asText = (value: unknown) => (typeof value === 'boolean' ? String(value) : value)
    const column = <K extends keyof SearchToken>(key: K) => p.add(search.tokens.map((token) => asText(token[key])))
    const phrase = <K extends keyof PgSearch['phrases'][number]>(key: K) => p.add(search.phrases.map((entry) => asText(entry[key])))
    text +=
      `, query_tokens AS MATERIALIZED (` +
      `SELECT t.word, 0 AS reading, t.place, t.length, (ts_lexize('simple', t.spelling))[1] AS lexeme, t.prefix, true AS atomic, t.length > 1 AS phrase` +
      ` FROM unnest(${column('word')}::int[], ${column('offset')}::int[], ${column('length')}::int[], ${column('spelling')}::text[], ${column('prefix')}::text[]::bool[])` +
      ` AS t(word, place, length, spelling, prefix)` +
      ` UNION ALL SELECT w.word, w.reading, at.pos - 1, max(at.pos) OVER (PARTITION BY w.reading), l.lexeme, w.prefix, false, true` +
      ` FROM unnest(${phrase('word')}::int[], ${phrase('text')}::text[], ${phrase('prefix')}::text[]::bool[]) WITH ORDINALITY AS w(word, text, prefix, reading),` +
      ` unnest(to_tsvector('simple', ${SEARCH_TEXT_SQL('w.text')})) l, unnest(l.positions) at(pos))`
  }
  return `${text} `
}

const positions = (vector: string) => `(SELECT coalesce(max(at.pos), 0) FROM unnest(${vector}) l, unnest(l.positions) at(pos))`

/** Where the row's columns lie in p.search: name 1..name_end, description up to sku_start, sku after (PHRASE_HITS). */
export const BOUNDS = `LATERAL (SELECT name_end, total - sku_length AS sku_start FROM (SELECT` +
  ` ${positions(`to_tsvector('simple', ${SEARCH_TEXT_SQL('p.name')})`)} AS name_end,` +
  ` ${positions(`to_tsvector('simple', ${SEARCH_TEXT_SQL('p.sku')})`)} AS sku_length,` +
  ` ${positions('p.search')} AS total OFFSET 0) counts) bounds`

/** A lexeme of a single-token word: equal to one, or starting with the last word (never a compound, which FTS5 doesn't have). */
const SINGLE_TOKEN_MATCH = `l.lexeme = ANY(query.terms) OR (l.lexeme ^@ ANY(query.prefixes) AND l.lexeme !~ ${COMPOUND})`
const occurrences = (vector: string) => `(SELECT coalesce(sum(cardinality(l.positions)), 0) FROM unnest(${vector}) l WHERE ${SINGLE_TOKEN_MATCH})`

/**
 * Matches per column when every word is one token: each occurrence is one (none can overlap
 * another), so the description's are the row's less the name's and the sku's, both short to
 * tokenize. (A tsvector keeps 256 positions of a lexeme: a word so frequent still leaves the
 * description more than its cap of 3.)
 */
export const SINGLE_TOKEN_HITS =
  `LATERAL (SELECT name_hits, sku_hits, row_hits - name_hits - sku_hits AS description_hits FROM (SELECT` +
  ` ${occurrences(`to_tsvector('simple', ${SEARCH_TEXT_SQL('p.name')})`)} AS name_hits,` +
  ` ${occurrences(`to_tsvector('simple', ${SEARCH_TEXT_SQL('p.sku')})`)} AS sku_hits,` +
  // OFFSET 0: each count is computed once per row, not once per use.
  ` ${occurrences('p.search')} AS row_hits OFFSET 0) counts) hits`

/**
 * Matches per column in general: an instance of a word (in one of its readings) is a start where
 * each of its tokens is found at its offset, wholly within one column; an instance begins a new
 * match when it starts after every earlier one of its column ended. `phrases_found` counts the
 * words of several tokens with an instance (in either reading: 'oak.chair' may be one lexeme).
 */
export const PHRASE_HITS =
  `LATERAL (SELECT count(*) FILTER (WHERE col = 0 AND starts) AS name_hits,` +
  ` count(*) FILTER (WHERE col = 1 AND starts) AS description_hits,` +
  ` count(*) FILTER (WHERE col = 2 AND starts) AS sku_hits,` +
  ` count(DISTINCT word) FILTER (WHERE phrase) AS phrases_found FROM (` +
  `SELECT col, word, phrase, reached IS NULL OR reached < head AS starts FROM (` +
  `SELECT col, word, phrase, head, max(tail) OVER (PARTITION BY col ORDER BY head, tail ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached FROM (` +
  `SELECT token.word, token.phrase, at.pos - token.place AS head, at.pos - token.place + token.length - 1 AS tail,` +
  ` CASE WHEN at.pos - token.place + token.length - 1 <= bounds.name_end THEN 0` +
  ` WHEN at.pos - token.place > bounds.sku_start THEN 2` +
  ` WHEN at.pos - token.place > bounds.name_end AND at.pos - token.place + token.length - 1 <= bounds.sku_start THEN 1 END AS col` +
  ` FROM unnest(p.search) l, unnest(l.positions) at(pos), query_tokens token` +
  ` WHERE l.lexeme = token.lexeme OR (token.prefix AND l.lexeme ^@ token.lexeme AND NOT (token.atomic AND l.lexeme ~ ${COMPOUND}))` +
  ` GROUP BY token.word, token.reading, token.length, token.phrase, at.pos - token.place HAVING count(DISTINCT token.place) = token.length` +
  `) instances WHERE col IS NOT NULL) ordered) merged) hits`

export const RELEVANCE = '(4 * hits.name_hits + 2 * hits.sku_hits + least(hits.description_hits, 3))::int'
