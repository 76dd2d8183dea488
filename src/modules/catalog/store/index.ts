import type { Database } from 'bun:sqlite'
import type { ReadBatch } from '../../../db/read-batch.ts'
import { immediateTransaction } from '../../../db/transaction.ts'
import { PRODUCT_COLUMNS, type ProductRow } from '../product.ts'
import { createProductSearch, type ListRequest, type ListResult } from './search.ts'

/*
 * The catalog's data access: the only place its SQL lives. The interface is async (a later
 * dialect may need the network); the SQLite implementation is synchronous inside, so every
 * transaction here starts and ends within one call and never spans an await.
 */

const COLUMNS = PRODUCT_COLUMNS.join(', ')

/** The values of a new products row (typed from the schema, like ProductRow). */
export type NewProduct = Pick<ProductRow, 'id' | 'sku' | 'name' | 'description' | 'category' | 'price_cents' | 'stock' | 'active' | 'created_at'>

/** Columns a product update may set (values as SQLite stores them). */
export type ProductChanges = Partial<Pick<ProductRow, 'sku' | 'name' | 'description' | 'category' | 'price_cents' | 'stock' | 'active'>>

export interface CatalogStore {
  findProduct(id: string): Promise<ProductRow | undefined>
  listProducts(request: ListRequest): Promise<ListResult>
  /** Throws a UNIQUE violation (isUniqueViolation, src/db/errors.ts) when the sku is taken. */
  insertProduct(product: NewProduct): Promise<ProductRow>
  /** undefined when there is no such product; throws the UNIQUE violation when the new sku is taken. */
  updateProduct(id: string, changes: ProductChanges, now: string): Promise<ProductRow | undefined>
  /**
   * Deletes a product no order references; archives (active = 0) one that orders do. One
   * transaction: an order can't slip in between the check and the delete. undefined when there
   * is no such product; `imageKey` is the file the deleted row pointed at.
   */
  removeProduct(id: string, now: string): Promise<{ outcome: 'deleted' | 'archived'; imageKey: string | null } | undefined>
  /**
   * Points the row at a new image (or none, with key null) in one transaction; `previous` is the
   * key it pointed at before. Removing an image that isn't there changes nothing (not even
   * updated_at). undefined when the product is gone.
   */
  setProductImage(
    id: string,
    image: { key: string; type: string } | null,
    now: string,
  ): Promise<{ previous: string | null; row: ProductRow } | undefined>
  /** Every image key a row refers to (the start-up sweep of orphaned files). */
  referencedImageKeys(): Promise<Set<string>>
}

/** `read` is the connection's read batch (src/db/read-batch.ts): a cache miss's product read and a product page share one read transaction with the turn's other reads. */
export function createCatalogStore(sqlite: Database, read: ReadBatch): CatalogStore {
  const search = createProductSearch(sqlite)
  // The product read and its cache miss are the hottest statements: prepared once.
  const selectById = sqlite.prepare<ProductRow, [string]>(`SELECT ${COLUMNS} FROM products WHERE id = ?`)
  const insert = sqlite.prepare<ProductRow, [string, string, string, string, string | null, number, number, number, string, string]>(
    `INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  )
  const isReferenced = sqlite.prepare<{ one: number }, [string]>('SELECT 1 AS one FROM order_items WHERE product_id = ? LIMIT 1')
  const archive = sqlite.prepare<void, [string, string]>('UPDATE products SET active = 0, updated_at = ? WHERE id = ? AND active = 1')
  const deleteById = sqlite.prepare<void, [string]>('DELETE FROM products WHERE id = ?')
  const setImage = sqlite.prepare<ProductRow, [string | null, string | null, string, string]>(
    `UPDATE products SET image_key = ?, image_type = ?, updated_at = ? WHERE id = ? RETURNING ${COLUMNS}`,
  )
  const selectImageKeys = sqlite.prepare<{ image_key: string }, []>('SELECT image_key FROM products WHERE image_key IS NOT NULL')

  return {
    findProduct(id) {
      return read(() => selectById.get(id) ?? undefined)
    },
    listProducts(request) {
      return read(() => search.list(request))
    },
    async insertProduct(p) {
      return insert.get(p.id, p.sku, p.name, p.description, p.category, p.price_cents, p.stock, p.active, p.created_at, p.created_at)!
    },
    async updateProduct(id, changes, now) {
      const fields = Object.keys(changes) as (keyof ProductChanges)[]
      const params: Record<string, string | number | null> = { $id: id, $updated_at: now }
      for (const field of fields) params[`$${field}`] = changes[field]!
      // Assembled from the fixed column names only (values are bound): bun:sqlite's query() cache compiles each shape once.
      const sql = `UPDATE products SET ${fields.map((field) => `${field} = $${field}`).join(', ')}, updated_at = $updated_at WHERE id = $id RETURNING ${COLUMNS}`
      return sqlite.query<ProductRow, [Record<string, string | number | null>]>(sql).get(params) ?? undefined
    },
    async removeProduct(id, now) {
      return immediateTransaction(sqlite, () => {
        const row = selectById.get(id)
        if (!row) return undefined
        if (isReferenced.get(id)) {
          archive.run(now, id)
          return { outcome: 'archived' as const, imageKey: null }
        }
        deleteById.run(id)
        return { outcome: 'deleted' as const, imageKey: row.image_key }
      })
    },
    async setProductImage(id, image, now) {
      return immediateTransaction(sqlite, () => {
        const before = selectById.get(id)
        if (!before) return undefined
        if (image === null && before.image_key === null) return { previous: null, row: before }
        const after = setImage.get(image?.key ?? null, image?.type ?? null, now, id)!
        return { previous: before.image_key, row: after }
      })
    },
    async referencedImageKeys() {
      return new Set(selectImageKeys.all().map((row) => row.image_key))
    },
  }
}
