/**
 * How products.search is made of a text: the generated column of migrations/pg is
 * to_tsvector('simple', name || ' ' || description || ' ' || sku), of the raw text. The scores
 * tokenize name and sku alone the same way to tell which of its positions are whose, so this must
 * follow the column (test/modules/catalog/search-parity.test.ts checks that it does).
 */
export const DOCUMENT_TEXT_SQL = (expr: string) => expr

/** products.search as DOCUMENT_TEXT_SQL makes it, for the test that checks the two agree. */
export const SEARCH_DOCUMENT_SQL = `to_tsvector('simple', ${DOCUMENT_TEXT_SQL(`name || ' ' || description || ' ' || sku`)})`
