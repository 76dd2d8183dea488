/** The products row the Bun peers read from Kiosk's seeded database, and the JSON shape Kiosk sends for it. */
export interface ProductRow {
  id: string
  sku: string
  name: string
  description: string
  category: string | null
  price_cents: number
  stock: number
  active: number
  image_key: string | null
  created_at: string
  updated_at: string
}

export const PRODUCT_COLUMNS = 'id, sku, name, description, category, price_cents, stock, active, image_key, created_at, updated_at'

export const toProductJson = (row: ProductRow) => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  category: row.category,
  price_cents: row.price_cents,
  stock: row.stock,
  active: row.active === 1,
  image_url: row.image_key ? `/products/${row.id}/image` : null,
  created_at: row.created_at,
  updated_at: row.updated_at,
})
