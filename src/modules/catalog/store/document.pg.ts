/**
 * How products.search is made of a text: the generated column of migrations/pg is
 * to_tsvector('simple', name || ' ' || description || ' ' || sku), of the raw text. The scores
 * tokenize name and sku alone the same way to tell which of its positions are whose, so this must
 * follow the column (test/modules/catalog/search-parity.test.ts checks that it does).
 */
export const DOCUMENT_TEXT_SQL = (expr: string) => expr

/**
 * The text products.search should be made of to search as SQLite does: unaccented (as tsquery.ts's
 * `unaccent`), ASCII punctuation turned into spaces. PostgreSQL's parser keeps punctuation inside
 * lexemes ('oak.chair', 'u@x.com', '12.5', '-01') and diacritics in them, where FTS5's unicode61
 * splits and folds; without them it finds unicode61's tokens, runs of letters and digits. Not the
 * column yet (a schema change): with it, DOCUMENT_TEXT_SQL becomes this.
 */
export const SEARCH_TEXT_SQL = (expr: string) =>
  `regexp_replace(regexp_replace(normalize(${expr}, NFD), '[\\u0300-\\u036f]', '', 'g'), '[\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e]', ' ', 'g')`
