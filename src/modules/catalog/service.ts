import type { AppContext } from '../../context.ts'
import { cachedLookup, cacheKeys } from '../../lib/cache.ts'
import { ConflictError, NotFoundError, ValidationFailedError, type FieldError } from '../../lib/errors.ts'
import type { CreateProductInput, ProductJson, UpdateProductInput } from './model.ts'
import { JSON_CONTENT_TYPE, PRODUCT_COLUMNS, toCachedProduct, toProductJson, type CachedProduct, type ProductRow } from './product.ts'
import { createProductSearch, type ListRequest } from './search.ts'

/** The caller as the catalog needs it: administrators see inactive products. */
export interface Viewer {
  role: 'user' | 'admin'
}

const COLUMNS = PRODUCT_COLUMNS.join(', ')

/** Control characters (tab, newline and carriage return are fine in a description). */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/

/** Rules the schema can't say: no control characters or lone surrogates, no blank names. */
function checkText(input: { name?: string; description?: string; category?: string | null }) {
  const errors: FieldError[] = []
  const rule = (path: string, value: string | null | undefined, control: RegExp, blankAllowed: boolean) => {
    if (value === undefined || value === null) return
    if (!value.isWellFormed()) errors.push({ path, message: 'must be well-formed Unicode', in: 'body' })
    else if (control.test(value)) errors.push({ path, message: 'must not contain control characters', in: 'body' })
    else if (!blankAllowed && !/\S/u.test(value)) errors.push({ path, message: 'must not be blank', in: 'body' })
  }
  rule('/name', input.name, CONTROL, false)
  rule('/description', input.description, CONTROL_IN_TEXT, true)
  rule('/category', input.category, CONTROL, false)
  if (errors.length) throw new ValidationFailedError('The request body is invalid.', errors)
}

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error && (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'

const duplicateSku = () =>
  new ConflictError('A product with this sku already exists.', [{ path: '/sku', message: 'already exists', in: 'body' }])

const notFound = () => new NotFoundError('No such product.')

/** Columns PATCH may set, by body field. Nothing else of the body is ever applied. */
const PATCHABLE = ['sku', 'name', 'description', 'category', 'price_cents', 'stock', 'active'] as const

/**
 * Products: reads through the LRU, lists through the search, and the admin writes. Every write
 * drops the product's cache entry after its transaction commits, so no read after a 2xx write
 * sees the old row. SQLite calls are synchronous: between a miss's SELECT and its cache.set no
 * other request can run, so a miss can't re-cache a row that a concurrent write replaced.
 */
export function createCatalog(ctx: AppContext) {
  const { sqlite, cache, metrics, clock } = ctx
  const search = createProductSearch(sqlite)
  const selectById = sqlite.prepare<ProductRow, [string]>(`SELECT ${COLUMNS} FROM products WHERE id = ?`)
  const insert = sqlite.prepare<ProductRow, [string, string, string, string, string | null, number, number, number, string, string]>(
    `INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  )
  const isReferenced = sqlite.prepare<{ one: number }, [string]>('SELECT 1 AS one FROM order_items WHERE product_id = ? LIMIT 1')
  const archive = sqlite.prepare<void, [string, string]>('UPDATE products SET active = 0, updated_at = ? WHERE id = ? AND active = 1')
  const deleteById = sqlite.prepare<void, [string]>('DELETE FROM products WHERE id = ?')

  const invalidate = (id: string) => cache.delete(cacheKeys.product(id))

  /** The product's cache entry, filled from the database on a miss; undefined when there is none. */
  function load(id: string): CachedProduct | undefined {
    const key = cacheKeys.product(id)
    const hit = cachedLookup<CachedProduct>(cache, metrics, 'product', key)
    if (hit) return hit
    const row = selectById.get(id)
    if (!row) return undefined
    const entry = toCachedProduct(row)
    cache.set(key, entry)
    return entry
  }

  /** The product as `viewer` may see it: inactive ones exist for administrators only. */
  function visible(id: string, viewer: Viewer | null): CachedProduct {
    const entry = load(id)
    if (!entry || (!entry.active && viewer?.role !== 'admin')) throw notFound()
    return entry
  }

  /** The row, uncached (writers check existence with it); 404 when there is none. */
  function requireRow(id: string): ProductRow {
    const row = selectById.get(id)
    if (!row) throw notFound()
    return row
  }

  function list(request: Omit<ListRequest, 'includeInactive'>, viewer: Viewer | null) {
    const { rows, nextCursor } = search.list({ ...request, includeInactive: viewer?.role === 'admin' })
    return { items: rows.map(toProductJson), next_cursor: nextCursor }
  }

  /**
   * The list as a ready Response. Its items are built field by field by toProductJson (typed
   * against the Product schema, checked against it in tests), so Elysia's per-item response
   * validation and cleaning, which cost more than the query, are skipped on this hot path.
   */
  function listResponse(request: Omit<ListRequest, 'includeInactive'>, viewer: Viewer | null): Response {
    return new Response(JSON.stringify(list(request, viewer)), { headers: { 'content-type': JSON_CONTENT_TYPE } })
  }

  function create(input: CreateProductInput): ProductJson {
    checkText(input)
    const now = clock.now().toISOString()
    let row: ProductRow | null
    try {
      row = insert.get(
        Bun.randomUUIDv7(),
        input.sku,
        input.name,
        input.description ?? '',
        input.category ?? null,
        input.price_cents,
        input.stock ?? 0,
        input.active === false ? 0 : 1,
        now,
        now,
      )
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku()
      throw error
    }
    return toProductJson(row!)
  }

  function update(id: string, patch: UpdateProductInput): ProductJson {
    checkText(patch)
    const fields = PATCHABLE.filter((field) => patch[field] !== undefined)
    if (!fields.length) return toProductJson(requireRow(id))
    const params: Record<string, string | number | null> = { $id: id, $updated_at: clock.now().toISOString() }
    for (const field of fields) {
      const value = patch[field]!
      params[`$${field}`] = typeof value === 'boolean' ? Number(value) : value
    }
    const sql = `UPDATE products SET ${fields.map((field) => `${field} = $${field}`).join(', ')}, updated_at = $updated_at WHERE id = $id RETURNING ${COLUMNS}`
    let row: ProductRow | null
    try {
      row = sqlite.query<ProductRow, [Record<string, string | number | null>]>(sql).get(params)
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku()
      throw error
    }
    if (!row) throw notFound()
    invalidate(id)
    return toProductJson(row)
  }

  /**
   * Deletes a product no order references; archives (active = false) one that orders do, so
   * their lines keep pointing at it. One transaction: an order can't slip in between the check
   * and the delete. Returns the image file the deleted row pointed at, for the caller to remove.
   */
  const removeInTransaction = sqlite.transaction((id: string, now: string) => {
    const row = requireRow(id)
    if (isReferenced.get(id)) {
      archive.run(now, id)
      return { outcome: 'archived' as const, imageKey: null }
    }
    deleteById.run(id)
    return { outcome: 'deleted' as const, imageKey: row.image_key }
  })

  function remove(id: string) {
    const result = removeInTransaction.immediate(id, clock.now().toISOString())
    invalidate(id)
    return result
  }

  return { load, visible, requireRow, list, listResponse, create, update, remove, invalidate, selectById }
}

export type Catalog = ReturnType<typeof createCatalog>
