import { Database } from 'bun:sqlite'
import { createProductSearch } from '../src/modules/catalog/store/search.ts'

/**
 * The SQL Kiosk runs for the bench's product page (LIST_PATH), captured from Kiosk's own search
 * through its `observe` hook, so the raw peer prepares exactly that statement: the ratio then
 * measures everything around the query, not a different query. Should the hook ever stop firing,
 * a hand-written equivalent of today's statement is used and the results file says so.
 */
export interface ListQuery {
  sql: string
  params: Record<string, string | number>
  source: 'captured from Kiosk' | 'hand-written fallback'
}

export const LIST_REQUEST = { category: 'kitchen', inStock: true, minPrice: 1000, sort: 'price' as const, limit: 20 }
export const LIST_PATH = '/products?category=kitchen&in_stock=true&min_price=1000&sort=price&limit=20'

const FALLBACK_SQL =
  'SELECT p.id, p.sku, p.name, p.description, p.category, p.price_cents, p.stock, p.active, p.image_key, p.image_type, p.created_at, p.updated_at ' +
  'FROM products p WHERE p.category = $category AND p.active = 1 AND p.price_cents >= $min_price AND p.stock > 0 ' +
  'ORDER BY p.price_cents, p.id LIMIT $limit'

export function captureListQuery(databasePath: string): ListQuery {
  const sqlite = new Database(databasePath, { readonly: true })
  try {
    let captured: ListQuery | undefined
    const search = createProductSearch(sqlite, (sql, params) => {
      captured = { sql, params: params as Record<string, string | number>, source: 'captured from Kiosk' }
    })
    search.list({ ...LIST_REQUEST, includeInactive: false })
    return captured ?? { sql: FALLBACK_SQL, params: { $category: 'kitchen', $min_price: 1000, $limit: 21 }, source: 'hand-written fallback' }
  } finally {
    sqlite.close()
  }
}
