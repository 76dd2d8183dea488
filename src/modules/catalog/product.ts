import type { RawRow } from '../../db/rows.ts'
import type { products } from '../../db/schema.ts'
import { prebuiltHeaders } from '../../http/response-headers.ts'
import type { ProductJson } from './model.ts'

/** The products columns every catalog query selects, in this order. */
export const PRODUCT_COLUMNS = [
  'id',
  'sku',
  'name',
  'description',
  'category',
  'price_cents',
  'stock',
  'active',
  'image_key',
  'image_type',
  'created_at',
  'updated_at',
] as const

/** A products row as bun:sqlite returns it. */
export type ProductRow = RawRow<typeof products>

export const productPath = (id: string) => `/products/${encodeURIComponent(id)}`

export function toProductJson(row: ProductRow): ProductJson {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price_cents: row.price_cents,
    stock: row.stock,
    active: row.active === 1,
    image_url: row.image_key ? `${productPath(row.id)}/image` : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/**
 * What the LRU holds for `cacheKeys.product(id)`: the response already serialised, its strong
 * ETag and the headers, so a hit builds a Response and nothing else. It is derived data only:
 * deleting it at any moment (writers do, after each commit) just makes the next read a miss.
 */
export interface CachedProduct {
  id: string
  active: boolean
  body: string
  etag: string
  /**
   * Headers of the 200 response, prebuilt with every response's static ones (a hit copies them in
   * one native call); a 304 sends the same minus the content type.
   */
  headers: Headers
  notModifiedHeaders: Headers
  image: { key: string; type: string } | null
}

/**
 * The headers every product answer shares, made once. A cache fill copies them and sets its ETag:
 * a third of the cost of building the same Headers from an object (~0.3 µs against ~1 µs, measured
 * with Bun 1.4.5), on every uncached read.
 */
const PRODUCT_HEADERS = prebuiltHeaders({ 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-cache' })
const NOT_MODIFIED_HEADERS = prebuiltHeaders({ 'cache-control': 'no-cache' })

const withEtag = (shared: Headers, etag: string): Headers => {
  const headers = new Headers(shared)
  headers.set('etag', etag)
  return headers
}

export function toCachedProduct(row: ProductRow): CachedProduct {
  const body = JSON.stringify(toProductJson(row))
  // A strong validator: the hash of the exact bytes sent.
  const etag = `"${Bun.hash(body).toString(36)}"`
  // Built on the first 304 only: most entries never answer one.
  let notModified: Headers | undefined
  return {
    id: row.id,
    active: row.active === 1,
    body,
    etag,
    headers: withEtag(PRODUCT_HEADERS, etag),
    get notModifiedHeaders() {
      return (notModified ??= withEtag(NOT_MODIFIED_HEADERS, etag))
    },
    image: row.image_key && row.image_type ? { key: row.image_key, type: row.image_type } : null,
  }
}
