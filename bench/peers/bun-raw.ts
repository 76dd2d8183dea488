/**
 * The raw peer: `Bun.serve` with `routes` and bun:sqlite, no framework, no plugins, on Kiosk's
 * seeded database (read-only). What a hand-written server on the same runtime does per request:
 *
 *   GET /products/:id     the row serialised once at start (the ceiling for Kiosk's cached read)
 *   GET /db/products/:id  the row from a prepared statement, serialised per request (Kiosk's uncached read)
 *   GET /products         the product page: the very SQL Kiosk ran for it (--list-query, captured by
 *                         bench/list-query.ts), prepared once, bound from the query string per request
 *
 *   bun bench/peers/bun-raw.ts --db kiosk.db --port 4000 [--list-query query.json]
 */
import { Database } from 'bun:sqlite'
import { parseArgs } from 'node:util'
import { PRODUCT_COLUMNS, toProductJson, type ProductRow } from './product-row.ts'

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' }, 'list-query': { type: 'string' } } })
if (!values.db || !values.port) throw new Error('usage: bun bench/peers/bun-raw.ts --db FILE --port N [--list-query FILE]')

const db = new Database(values.db, { readonly: true })
const bodies = new Map<string, string>()
for (const row of db.query<ProductRow, []>(`SELECT ${PRODUCT_COLUMNS} FROM products`).all()) bodies.set(row.id, JSON.stringify(toProductJson(row)))
const byId = db.prepare<ProductRow, [string]>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`)

/** The page query: Kiosk's SQL text and the parameter names it binds (`$category`, `$limit`...). */
const listQuery = values['list-query']
  ? ((await Bun.file(values['list-query']).json()) as { sql: string; params: Record<string, string | number> })
  : null
const listStatement = listQuery ? db.prepare<ProductRow & Record<string, unknown>, [Record<string, string | number>]>(listQuery.sql) : null
const listParams = listQuery ? Object.entries(listQuery.params) : []

function listPage(url: URL): Response {
  if (!listStatement) return notFound()
  const query = url.searchParams
  const limit = Number(query.get('limit') ?? 20)
  const bound: Record<string, string | number> = {}
  for (const [key, example] of listParams) {
    const name = key.slice(1)
    if (name === 'limit') bound[key] = limit + 1
    else bound[key] = typeof example === 'number' ? Number(query.get(name)) : (query.get(name) ?? '')
  }
  const rows = listStatement.all(bound)
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  const last = page[page.length - 1]
  // A keyset cursor of the same make as Kiosk's: base64url JSON of the last row's sort key and id.
  const nextCursor = more && last ? Buffer.from(JSON.stringify([url.search, last.price_cents, last.id])).toString('base64url') : null
  return Response.json({ items: page.map(toProductJson), next_cursor: nextCursor }, { headers: JSON_HEADERS })
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }
const notFound = () => new Response('{"status":404}', { status: 404, headers: JSON_HEADERS })

const server = Bun.serve({
  port: Number(values.port),
  hostname: '127.0.0.1',
  routes: {
    '/health/live': () => new Response('{"status":"ok"}', { headers: JSON_HEADERS }),
    '/products': (request) => listPage(new URL(request.url)),
    '/products/:id': (request) => {
      const body = bodies.get(request.params.id)
      return body ? new Response(body, { headers: JSON_HEADERS }) : notFound()
    },
    '/db/products/:id': (request) => {
      const row = byId.get(request.params.id)
      return row ? new Response(JSON.stringify(toProductJson(row)), { headers: JSON_HEADERS }) : notFound()
    },
  },
  fetch: notFound,
})
console.log(`bun-raw listening on ${server.url.href} with ${bodies.size} products`)
