import { afterAll, expect } from 'bun:test'
import { sql, type SQL } from 'drizzle-orm'
import type { Env } from '../../../src/config.ts'
import type { ProductJson } from '../../../src/modules/catalog/model.ts'
import { PRODUCT_COLUMNS } from '../../../src/modules/catalog/product.ts'
import { createTestApp, createUser, json, type TestApp } from '../../helpers.ts'

/** The catalog tests' app: fresh, with an administrator and a customer; closed after the file. */
export async function catalogApp(env: Env = {}) {
  const t = await createTestApp(env)
  afterAll(() => t.close())
  const admin = await createUser(t, { role: 'admin' })
  const customer = await createUser(t)
  return { t, admin, customer }
}

/** Real, minimal images of each accepted type. */
export const IMAGES = {
  png: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  gif: Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
  webp: Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'),
  // A 1×1 greyscale baseline JPEG: JFIF, quantisation and Huffman tables, frame, scan, EOI.
  jpeg: Buffer.concat([
    Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
    Buffer.from('ffdb004300', 'hex'),
    Buffer.alloc(64, 1),
    Buffer.from('ffc0000b080001000101011100', 'hex'),
    Buffer.from('ffc4001f0000010501010101010100000000000000000102030405060708090a0b', 'hex'),
    Buffer.from('ffc400b5100002010303020403050504040000017d', 'hex'),
    Buffer.alloc(162, 1),
    Buffer.from('ffda0008010100003f00', 'hex'),
    Buffer.from('d2cf20', 'hex'),
    Buffer.from('ffd9', 'hex'),
  ]),
}

let sequence = 0

/** Creates a product through the API as `adminToken`; fields default to a unique valid product. */
export async function createProduct(t: TestApp, adminToken: string, fields: Record<string, unknown> = {}): Promise<ProductJson> {
  sequence++
  const response = await t.request('/products', {
    method: 'POST',
    token: adminToken,
    json: { sku: `SKU-${sequence}-${Bun.randomUUIDv7().slice(-8)}`, name: `Product ${sequence}`, price_cents: 1000 + sequence, stock: 5, ...fields },
  })
  const body = await json(response)
  expect(response.status, JSON.stringify(body)).toBe(201)
  return body
}

/** Follows next_cursor from `path` to the end and returns every page. */
export async function allPages(t: TestApp, path: string, options: { token?: string } = {}): Promise<ProductJson[][]> {
  const pages: ProductJson[][] = []
  let cursor: string | null = null
  do {
    const separator = path.includes('?') ? '&' : '?'
    const response = await t.request(cursor ? `${path}${separator}cursor=${cursor}` : path, options)
    const body = await json(response)
    expect(response.status, JSON.stringify(body)).toBe(200)
    pages.push(body.items)
    cursor = body.next_cursor
    if (pages.length > 1000) throw new Error('pagination does not end')
  } while (cursor)
  return pages
}

/** Counts of product cache lookups, from /metrics. */
export async function productCacheLookups(t: TestApp) {
  const text = await (await t.request('/metrics')).text()
  const read = (result: string) => Number(new RegExp(`cache_lookups_total\\{cache="product",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  return { hits: read('hit'), misses: read('miss') }
}

/** The products columns for t.sql, `active` as SQLite's 0/1 on either dialect (PostgreSQL's is a boolean). */
export const STORED_COLUMNS = PRODUCT_COLUMNS.map((column) => (column === 'active' ? 'CAST(active AS integer) AS active' : column)).join(', ')

/**
 * Runs a write behind the cache's back, as only a test may: one no cache coherence hears of. On
 * SQLite, the app's own connection (its commits don't change the data_version the cache follows);
 * on PostgreSQL, with triggers off for the transaction (session_replication_role), so migration
 * 0001's NOTIFY doesn't fire.
 */
export async function writeBehindTheCache(t: TestApp, query: SQL) {
  const database = t.ctx.database
  if (database.dialect === 'sqlite') {
    await t.sql(query)
    return
  }
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`)
    await tx.execute(query)
  })
}
