import { SEARCH_TEXT_SQL } from '../../../db/pg/search-text.ts'
import type { Params } from './sql-params.pg.ts'
import type { PgSearch, SearchToken } from './tsquery.ts'

/*
 * FTS5's phrase rule on PostgreSQL: a word of several tokens ('oak.chair', 'kit-torch') matches
 * only within one column, where products.search runs the columns together. The instances of each
 * word per column are found on the positions of the row's stored products.search (never
 * re-tokenizing the description): the name's tokens are its first positions and the sku's its
 * last, as many as each has alone.
 */

/** ASCII punctuation: the parser keeps it in compound lexemes ('kit-torch', 'oak.chair'), which FTS5 never has; a token's prefix must not count them. */
const COMPOUND = String.raw`'[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]'`

/**
 * The query, once per statement: the tsquery; with `tokens`, every token of every word at its
 * offset (ts_lexize spells them as to_tsvector does), and the words of several tokens also as the
 * parser reads them whole (their lexemes at their positions).
 */
export function searchCte(p: Params, search: PgSearch, tokens: boolean): string {
  let text = `WITH query AS (SELECT to_tsquery('simple', ${p.add(search.match)}) AS match)`
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
