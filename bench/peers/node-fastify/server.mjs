// The Node peer: Node 20 + Fastify 5 + better-sqlite3 12 serving the same product row as Kiosk,
// the way a Fastify app is written for speed: a prepared statement per request, a response schema
// (fast-json-stringify), no logger. Run from the scratch folder the bench installs it into:
//   node server.mjs --db kiosk.db --port 4000
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } })
if (!values.db || !values.port) throw new Error('usage: node server.mjs --db FILE --port N')

const db = new Database(values.db, { readonly: true })
const byId = db.prepare(
  'SELECT id, sku, name, description, category, price_cents, stock, active, image_key, created_at, updated_at FROM products WHERE id = ?',
)

const nullableString = { type: ['string', 'null'] }
const product = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    sku: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    category: nullableString,
    price_cents: { type: 'integer' },
    stock: { type: 'integer' },
    active: { type: 'boolean' },
    image_url: nullableString,
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
  },
}

const app = Fastify({ logger: false })
app.get('/health/live', () => ({ status: 'ok' }))
app.get('/products/:id', { schema: { response: { 200: product } } }, (request, reply) => {
  const row = byId.get(request.params.id)
  if (!row) return reply.code(404).send({ status: 404 })
  return {
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
  }
})
await app.listen({ host: '127.0.0.1', port: Number(values.port) })
console.log(`node-fastify listening on 127.0.0.1:${values.port}`)
