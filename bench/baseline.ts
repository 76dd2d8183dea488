/**
 * The baseline of the benchmark: a raw Bun.serve with `routes`, no framework, no plugins, serving
 * the same product JSON Kiosk serves (every product of the seeded database, serialised once at
 * start) and, for the list, the same page body Kiosk answered.
 *
 *   bun bench/baseline.ts --db data/kiosk.db --port 4000 [--list-body page.json]
 */
import { Database } from 'bun:sqlite'
import { parseArgs } from 'node:util'
import { PRODUCT_COLUMNS, toProductJson, type ProductRow } from '../src/modules/catalog/product.ts'

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' }, 'list-body': { type: 'string' } } })
if (!values.db || !values.port) throw new Error('usage: bun bench/baseline.ts --db FILE --port N [--list-body FILE]')

const db = new Database(values.db, { readonly: true })
const bodies = new Map<string, string>()
for (const row of db.query<ProductRow, []>(`SELECT ${PRODUCT_COLUMNS.join(', ')} FROM products`).all()) {
  bodies.set(row.id, JSON.stringify(toProductJson(row)))
}
db.close()
const listBody = values['list-body'] ? await Bun.file(values['list-body']).text() : '{"items":[],"next_cursor":null}'

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }
const notFound = () => new Response('{"status":404}', { status: 404, headers: JSON_HEADERS })

const server = Bun.serve({
  port: Number(values.port),
  hostname: '127.0.0.1',
  routes: {
    '/health/live': () => new Response('{"status":"ok"}', { headers: JSON_HEADERS }),
    '/products': () => new Response(listBody, { headers: JSON_HEADERS }),
    '/products/:id': (request) => {
      const body = bodies.get(request.params.id)
      return body ? new Response(body, { headers: JSON_HEADERS }) : notFound()
    },
  },
  fetch: notFound,
})
console.log(`baseline listening on ${server.url.href} with ${bodies.size} products`)
