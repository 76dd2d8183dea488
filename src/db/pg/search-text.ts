/**
 * The text products.search is made of, to search as SQLite does: unaccented (as tsquery.ts's
 * `unaccent`), ASCII punctuation turned into spaces. PostgreSQL's parser keeps punctuation inside
 * lexemes ('oak.chair', 'u@x.com', '12.5', '-01') and diacritics in them, where FTS5's unicode61
 * splits and folds; without them it finds unicode61's tokens, runs of letters and digits.
 * src/db/schema.pg.ts builds the generated column with it; the scores tokenize name and sku alone
 * the same way to tell which positions are whose (test/modules/catalog/search-parity.test.ts
 * checks the column and this agree). Only built-in immutable functions, as a generated column needs.
 */
export const SEARCH_TEXT_SQL = (expr: string) =>
  `regexp_replace(regexp_replace(normalize(${expr}, NFD), '[\\u0300-\\u036f]', '', 'g'), '[\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e]', ' ', 'g')`
