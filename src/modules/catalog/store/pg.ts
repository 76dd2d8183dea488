import type { SQL } from 'bun'
import { isUniqueViolation } from '../../../db/pg/client.ts'
import { UniqueViolationError } from '../../../db/unique.ts'
import type { ProductRow } from '../product.ts'
import { PG_PRODUCT_SELECT } from './columns.pg.ts'
import type { CatalogStore, ProductChanges } from './index.ts'
import { createPgProductSearch } from './search.pg.ts'

/*
 * The catalog's data access on PostgreSQL: the twin of index.ts, returning rows as SQLite does
 * (`active` 0/1, selected as `active::int`). Static statements are tagged templates, prepared once
 * per connection; each spells out PRODUCT_COLUMNS (a template can't splice SQL text).
 */

const SKU_UNIQUE = 'products_sku_unique'

/** The sku's unique violation as the dialect-neutral error the service maps to 409. */
async function mappingSkuTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isUniqueViolation(error, SKU_UNIQUE)) throw new UniqueViolationError(SKU_UNIQUE, { cause: error })
    throw error
  }
}

/** PostgreSQL text can't hold a NUL: an id with one names no row (SQLite finds none either). */
const storable = (id: string) => !id.includes('\u0000')

/** The SET value of a change: `active` arrives as SQLite's 0/1. */
const settable = (field: keyof ProductChanges, param: string) => (field === 'active' ? `${param}::int::boolean` : param)

export function createPgCatalogStore(sql: SQL): CatalogStore {
  const search = createPgProductSearch(sql)

  const selectById = (tx: SQL, id: string, lock: boolean) =>
    lock
      ? tx<ProductRow[]>`SELECT id, sku, name, description, category, price_cents, stock, active::int AS active, image_key, image_type, created_at, updated_at
          FROM products WHERE id = ${id} FOR UPDATE`
      : tx<ProductRow[]>`SELECT id, sku, name, description, category, price_cents, stock, active::int AS active, image_key, image_type, created_at, updated_at
          FROM products WHERE id = ${id}`

  return {
    async findProduct(id) {
      if (!storable(id)) return undefined
      const [row] = await selectById(sql, id, false)
      return row
    },
    listProducts(request) {
      return search.list(request)
    },
    async insertProduct(p) {
      const [row] = await mappingSkuTaken(
        () => sql<ProductRow[]>`
          INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
          VALUES (${p.id}, ${p.sku}, ${p.name}, ${p.description}, ${p.category}, ${p.price_cents}, ${p.stock}, ${p.active === 1}, ${p.created_at}, ${p.created_at})
          RETURNING id, sku, name, description, category, price_cents, stock, active::int AS active, image_key, image_type, created_at, updated_at`,
      )
      return row!
    },
    async updateProduct(id, changes, now) {
      if (!storable(id)) return undefined
      const fields = Object.keys(changes) as (keyof ProductChanges)[]
      const values: unknown[] = fields.map((field) => changes[field])
      // Assembled from the fixed column names only (values are bound): one text per set of fields.
      const assignments = fields.map((field, i) => `${field} = ${settable(field, `$${i + 1}`)}`)
      const text =
        `UPDATE products p SET ${[...assignments, `updated_at = $${fields.length + 1}`].join(', ')}` +
        ` WHERE p.id = $${fields.length + 2} RETURNING ${PG_PRODUCT_SELECT}`
      const [row] = await mappingSkuTaken(() => sql.unsafe<ProductRow[]>(text, [...values, now, id] as never[]))
      return row
    },
    async removeProduct(id, now) {
      if (!storable(id)) return undefined
      return sql.begin(async (tx) => {
        // The row lock: an order line can't reference the product between the check and the delete
        // (its foreign key check waits for this transaction, and fails once the row is gone).
        const [row] = await selectById(tx, id, true)
        if (!row) return undefined
        const [referenced] = await tx`SELECT 1 AS one FROM order_items WHERE product_id = ${id} LIMIT 1`
        if (referenced) {
          await tx`UPDATE products SET active = false, updated_at = ${now} WHERE id = ${id} AND active`
          return { outcome: 'archived' as const, imageKey: null }
        }
        await tx`DELETE FROM products WHERE id = ${id}`
        return { outcome: 'deleted' as const, imageKey: row.image_key }
      })
    },
    async setProductImage(id, image, now) {
      if (!storable(id)) return undefined
      return sql.begin(async (tx) => {
        const [before] = await selectById(tx, id, true)
        if (!before) return undefined
        if (image === null && before.image_key === null) return { previous: null, row: before }
        const [after] = await tx<ProductRow[]>`
          UPDATE products SET image_key = ${image?.key ?? null}, image_type = ${image?.type ?? null}, updated_at = ${now} WHERE id = ${id}
          RETURNING id, sku, name, description, category, price_cents, stock, active::int AS active, image_key, image_type, created_at, updated_at`
        return { previous: before.image_key, row: after! }
      })
    },
    async referencedImageKeys() {
      const rows = await sql<{ image_key: string }[]>`SELECT image_key FROM products WHERE image_key IS NOT NULL`
      return new Set(rows.map((row) => row.image_key))
    },
  }
}
