/**
 * The raw peer with a production request's features, written by hand: what the features of
 * Kiosk's cached read cost on this runtime without any framework. `Bun.serve` with `routes`, the
 * rows serialised once at start (as bench/peers/bun-raw.ts), and per request, the cheapest way
 * measured here:
 *
 *   - the request head's size checked (every header field summed) and Content-Length read;
 *   - X-Request-Id: the client's when sane, else a new UUIDv7;
 *   - ETag and If-None-Match (304), Cache-Control, the four security headers, Server-Timing;
 *   - one JSON access line per request at Kiosk's format, the lines of an event-loop turn
 *     written to stdout in one write(2);
 *   - a request counter by method, route and status and a latency histogram, as plain tallies.
 *
 * Kiosk ÷ this is what Elysia and Kiosk's own structure cost; this ÷ bun-raw is what the features
 * cost on raw Bun.serve. Not a test and not a server to use.
 *
 *   bun bench/peers/bun-featured.ts --db kiosk.db --port 4000
 */
import { Database } from 'bun:sqlite'
import { writeSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { PRODUCT_COLUMNS, toProductJson, type ProductRow } from './product-row.ts'

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } })
if (!values.db || !values.port) throw new Error('usage: bun bench/peers/bun-featured.ts --db FILE --port N')

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}
const JSON_TYPE = 'application/json; charset=utf-8'

/** A product's answer, made once: its body, its ETag and the Headers every answer for it copies. */
interface Entry {
  body: string
  etag: string
  headers: Headers
  notModified: Headers
}
const entries = new Map<string, Entry>()
const db = new Database(values.db, { readonly: true })
for (const row of db.query<ProductRow, []>(`SELECT ${PRODUCT_COLUMNS} FROM products`).all()) {
  const body = JSON.stringify(toProductJson(row))
  const etag = `"${Bun.hash(body).toString(36)}"`
  entries.set(row.id, {
    body,
    etag,
    headers: new Headers({ ...SECURITY, 'content-type': JSON_TYPE, etag, 'cache-control': 'no-cache' }),
    notModified: new Headers({ ...SECURITY, etag, 'cache-control': 'no-cache' }),
  })
}
db.close()

const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/
const HEADERS_MAX = 16 * 1024
const BODY_LIMIT = 1024 * 1024

// Metrics: plain tallies, read at scrape time (none here: only the per-request cost is measured).
const requests = new Map<string, number>()
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const bucketCounts = new Float64Array(BUCKETS.length + 1)
let durationSum = 0

// The access log: the time string made once per millisecond, one write per event-loop turn.
let pending = ''
let lineMs = Number.NaN
let lineHead = ''
const flush = () => {
  const text = pending
  pending = ''
  writeSync(1, text)
}
function logLine(id: string, path: string, status: number, ms: number) {
  const now = Date.now()
  if (now !== lineMs) {
    lineMs = now
    lineHead = `{"level":30,"time":"${new Date(now).toISOString()}","request_id":"`
  }
  if (!pending) setImmediate(flush)
  pending += `${lineHead}${id}","method":"GET","route":"/products/:id","path":"${path}","status":${status},"duration_ms":${Math.round(ms * 100) / 100},"msg":"request"}\n`
}

function finish(id: string, path: string, status: number, startedAt: number) {
  const ms = performance.now() - startedAt
  const key = `GET /products/:id ${status}`
  requests.set(key, (requests.get(key) ?? 0) + 1)
  let bucket = 0
  while (bucket < BUCKETS.length && ms / 1000 > BUCKETS[bucket]!) bucket++
  bucketCounts[bucket]!++
  durationSum += ms / 1000
  logLine(id, path, status, ms)
}

const problem = (status: number, title: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title, status }), { status, headers: { ...SECURITY, 'content-type': 'application/problem+json' } })

const server = Bun.serve({
  port: Number(values.port),
  hostname: '127.0.0.1',
  routes: {
    '/health/live': () => new Response('{"status":"ok"}', { headers: { 'content-type': JSON_TYPE } }),
    '/products/:id': (request) => {
      const startedAt = performance.now()
      const headers = request.headers
      let size = 0
      headers.forEach((value, name) => {
        size += name.length + value.length + 4
      })
      if (size > HEADERS_MAX) return problem(431, 'Request Header Fields Too Large')
      if (Number(headers.get('content-length') ?? 0) > BODY_LIMIT) return problem(413, 'Content Too Large')
      const offered = headers.get('x-request-id')
      const id = offered && SANE_ID.test(offered) ? offered : Bun.randomUUIDv7()
      const entry = entries.get(request.params.id)
      if (!entry) return problem(404, 'Not Found')
      const fresh = headers.get('if-none-match') === entry.etag
      const response = fresh ? new Response(null, { status: 304, headers: entry.notModified }) : new Response(entry.body, { headers: entry.headers })
      response.headers.set('x-request-id', id)
      const ms = performance.now() - startedAt
      const hundredths = Math.round(ms * 100)
      response.headers.set('server-timing', `total;dur=${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`)
      finish(id, `/products/${request.params.id}`, fresh ? 304 : 200, startedAt)
      return response
    },
  },
  fetch: () => problem(404, 'Not Found'),
})
console.error(`bun-featured listening on ${server.url.href} with ${entries.size} products`)
