import type { AppContext } from '../../context.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import type { Role } from '../../db/schema.ts'
import { cachedLoad, cacheKeys, invalidate as invalidateKey } from '../../lib/cache.ts'
import { ConflictError, NotFoundError, ValidationFailedError, type FieldError } from '../../lib/errors.ts'
import type { CreateProductInput, ProductJson, UpdateProductInput } from './model.ts'
import { toCachedProduct, toProductJson, type CachedProduct, type ProductRow } from './product.ts'
import type { CatalogStore, ProductChanges } from './store/index.ts'
import type { ListRequest } from './store/search.ts'

/** The caller as the catalog needs it: administrators see inactive products. */
export interface Viewer {
  role: Role
}

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

const duplicateSku = () =>
  new ConflictError('A product with this sku already exists.', [{ path: '/sku', message: 'already exists', in: 'body' }])

const notFound = () => new NotFoundError('No such product.')

/** Columns PATCH may set, by body field. Nothing else of the body is ever applied. */
const PATCHABLE = ['sku', 'name', 'description', 'category', 'price_cents', 'stock', 'active'] as const

/**
 * Products: reads through the LRU, lists through the store's search, and the admin writes. Every
 * write drops the product's cache entry after its transaction commits, so no read after a 2xx
 * write sees the old row; a miss whose load raced a write is not cached (cachedLoad).
 */
export function createCatalog(store: CatalogStore, ctx: Pick<AppContext, 'cache' | 'metrics' | 'clock'>) {
  const { cache, metrics, clock } = ctx
  const invalidate = (id: string) => invalidateKey(cache, cacheKeys.product(id))

  /** The product's cache entry, filled from the database on a miss; undefined when there is none. */
  function load(id: string): Promise<CachedProduct | undefined> {
    return cachedLoad(cache, metrics, 'product', cacheKeys.product(id), async () => {
      const row = await store.findProduct(id)
      return row ? toCachedProduct(row) : undefined
    })
  }

  /** The product as `viewer` may see it: inactive ones exist for administrators only. */
  async function visible(id: string, viewer: Viewer | null): Promise<CachedProduct> {
    const entry = await load(id)
    if (!entry || (!entry.active && viewer?.role !== 'admin')) throw notFound()
    return entry
  }

  /** The row, uncached (writers check existence with it); 404 when there is none. */
  async function requireRow(id: string): Promise<ProductRow> {
    const row = await store.findProduct(id)
    if (!row) throw notFound()
    return row
  }

  /**
   * A page of products. Its items are built field by field by toProductJson (typed against the
   * Product schema, checked against it in tests), so the route may skip Elysia's per-item
   * response validation on this hot path.
   */
  async function list(request: Omit<ListRequest, 'includeInactive'>, viewer: Viewer | null) {
    const { rows, nextCursor } = await store.listProducts({ ...request, includeInactive: viewer?.role === 'admin' })
    return { items: rows.map(toProductJson), next_cursor: nextCursor }
  }

  async function create(input: CreateProductInput): Promise<ProductJson> {
    checkText(input)
    let row: ProductRow
    try {
      row = await store.insertProduct({
        id: Bun.randomUUIDv7(),
        sku: input.sku,
        name: input.name,
        description: input.description ?? '',
        category: input.category ?? null,
        price_cents: input.price_cents,
        stock: input.stock ?? 0,
        active: input.active === false ? 0 : 1,
        created_at: clock.now().toISOString(),
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku()
      throw error
    }
    return toProductJson(row)
  }

  async function update(id: string, patch: UpdateProductInput): Promise<ProductJson> {
    checkText(patch)
    const fields = PATCHABLE.filter((field) => patch[field] !== undefined)
    if (!fields.length) return toProductJson(await requireRow(id))
    const changes: Record<string, string | number | null> = {}
    for (const field of fields) {
      const value = patch[field]!
      changes[field] = typeof value === 'boolean' ? Number(value) : value
    }
    let row: ProductRow | undefined
    try {
      row = await store.updateProduct(id, changes as ProductChanges, clock.now().toISOString())
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateSku()
      throw error
    }
    if (!row) throw notFound()
    invalidate(id)
    return toProductJson(row)
  }

  /**
   * Deletes a product no order references, archives one that orders do (see the store).
   * Returns the image file the deleted row pointed at, for the caller to remove.
   */
  async function remove(id: string) {
    const result = await store.removeProduct(id, clock.now().toISOString())
    if (!result) throw notFound()
    invalidate(id)
    return result
  }

  return { load, visible, requireRow, list, create, update, remove, invalidate, setImage: store.setProductImage }
}

export type Catalog = ReturnType<typeof createCatalog>
