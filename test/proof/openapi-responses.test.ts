import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { IMAGES } from '../modules/catalog/fixtures.ts'
import { outboxOf } from '../modules/webhooks/fixtures.ts'
import { createTestApp, createUser, json } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Real responses of every operation, from a realistic flow through app.handle, validated against
 * the served /docs/json by a strict validator (ajv strict mode, JSON Schema 2020-12, formats):
 * every status is declared, every media type is declared, every JSON body matches its schema.
 * What Stoplight Prism does in proxy mode, without a proxy. The flow must touch every operation.
 */

const t = await createTestApp({ LOGIN_MAX_FAILURES: '2' })
afterAll(() => t.close())

const doc = await json(await t.request('/docs/json'))
const COMPONENTS = 'https://kiosk.test/components'
const rewriteRefs = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(rewriteRefs)
  if (!node || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' ? [key, value.replace('#/components/schemas/', `${COMPONENTS}#/$defs/`)] : [key, rewriteRefs(value)],
    ),
  )
}
const ajv = new Ajv2020({ strict: true, allErrors: true })
addFormats(ajv)
ajv.addSchema({ $id: COMPONENTS, $defs: rewriteRefs(doc.components.schemas) })

interface Operation {
  key: string
  pattern: RegExp
  spec: Record<string, any>
}
const operations: Operation[] = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, spec]) => ({
    key: `${method.toUpperCase()} ${path}`,
    pattern: new RegExp(`^${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
    spec,
  })),
)

const validators = new Map<unknown, ValidateFunction>()
const validatorFor = (schema: unknown) => {
  let validate = validators.get(schema)
  if (!validate) validators.set(schema, (validate = ajv.compile(rewriteRefs(schema) as object)))
  return validate
}

const covered = new Map<string, Set<number>>()
const violations: string[] = []
let validated = 0

/** One request through the app, its response judged against the document. */
async function call(method: string, path: string, init: Parameters<typeof t.request>[1] = {}) {
  const response = await t.request(path, { ...init, method })
  const pathname = path.split('?')[0]
  const operation = operations.find((op) => op.pattern.test(`${method} ${pathname}`))
  const where = `${method} ${path} → ${response.status}`
  if (!operation) {
    violations.push(`${where}: no operation in the document`)
    return response
  }
  covered.set(operation.key, (covered.get(operation.key) ?? new Set()).add(response.status))
  const declared = operation.spec.responses?.[String(response.status)] ?? operation.spec.responses?.default
  const body = await response.clone().arrayBuffer()
  if (!declared) {
    violations.push(`${where}: status not declared (${new TextDecoder().decode(body).slice(0, 200)})`)
    return response
  }
  const mediaType = response.headers.get('content-type')?.split(';')[0]?.trim()
  if (!declared.content) {
    if (body.byteLength) violations.push(`${where}: a body where the document declares none`)
    return response
  }
  // A declared range (`image/*`) covers its types, as OpenAPI (and Prism) read it.
  const media = mediaType ? (declared.content[mediaType] ?? declared.content[mediaType.replace(/\/.*/, '/*')]) : undefined
  if (!media) {
    violations.push(`${where}: media type ${mediaType} not declared (${Object.keys(declared.content).join(', ')})`)
    return response
  }
  if (/json/.test(mediaType!)) {
    const validate = validatorFor(media.schema)
    validated++
    if (!validate(JSON.parse(new TextDecoder().decode(body)))) violations.push(`${where}: ${ajv.errorsText(validate.errors)}`)
  }
  return response
}

/** How many of the flow's responses are JSON (all but 204s, 304, the image, the CSV and the metrics text). */
const JSON_RESPONSES = 71

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})

describe('every response matches the served OpenAPI document', () => {
  test('a realistic flow over every operation', async () => {
    const admin = await createUser(t, { role: 'admin' })
    const A = { token: admin.token }

    // Operations
    await call('GET', '/')
    await call('GET', '/health/live')
    const page = await (await call('GET', '/dashboard')).text()
    await call('GET', /\/dashboard\/assets\/[^"']+/.exec(page)![0])
    await call('GET', /\/dashboard\/styles\/[^"']+/.exec(page)![0])
    await call('GET', '/health/ready')
    await call('GET', '/metrics')

    // Identity: sign-up, tokens, the caller
    const registered = await json(await call('POST', '/auth/register', { json: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' } }))
    await call('POST', '/auth/register', { json: { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada' } }) // 409
    await call('POST', '/auth/register', { json: { email: 'not an email', password: 'x', name: '' } }) // 422
    await call('POST', '/auth/register', { headers: { 'content-type': 'application/json' }, body: '{"email":' }) // 400
    const tokens = await json(await call('POST', '/token', form({ grant_type: 'password', username: 'ada@example.com', password: 'correct horse battery' })))
    await call('POST', '/token', { json: { grant_type: 'password', username: 'ada@example.com', password: 'wrong password' } }) // 400
    await call('POST', '/token', { json: { grant_type: 'client_credentials' } }) // 400
    const rotated = await json(await call('POST', '/token', { json: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } }))
    await call('POST', '/token', { json: { grant_type: 'refresh_token', refresh_token: tokens.refresh_token } }) // reuse: 400
    const ada = { token: (await json(await call('POST', '/token', { json: { username: 'ada@example.com', password: 'correct horse battery' } }))).access_token }
    await call('POST', '/token/revoke', form({ token: rotated.refresh_token }))
    await call('GET', '/users/me', ada)
    await call('GET', '/users/me') // 401
    await call('PATCH', '/users/me', { ...ada, json: { name: 'Ada L.' } })
    await call('PATCH', '/users/me', { ...ada, json: { email: admin.email } }) // 409
    await call('POST', '/users/me/password', { ...ada, json: { current_password: 'wrong guess', new_password: 'another long password' } }) // 422
    await call('POST', '/users/me/password', { ...ada, json: { current_password: 'correct horse battery', new_password: 'another long password' } }) // 204
    await call('POST', '/users/me/password', { ...ada, json: { current_password: 'wrong guess 2', new_password: 'another long password' } }) // 422, fills the limit
    await call('POST', '/users/me/password', { ...ada, json: { current_password: 'another long password', new_password: 'a third long password' } }) // 429

    // Email routes: this app has no SMTP_URL, so each answers its documented 503 (test/modules/email
    // drives them against a real SMTP server); the outbox list works without one.
    await call('POST', '/auth/password-reset', { json: { email: 'ada@example.com' } }) // 503
    await call('POST', '/auth/password-reset/confirm', { json: { token: 'x'.repeat(43), new_password: 'another long password' } }) // 503
    await call('POST', '/auth/verify-email', { json: { token: 'x'.repeat(43) } }) // 503
    await call('POST', '/auth/verify-email/resend', ada) // 503
    await call('GET', '/admin/emails', A)

    // Users (admin)
    await call('GET', '/users?limit=1&role=user', A)
    await call('GET', '/users', ada) // 403
    const staff = await json(await call('POST', '/users', { ...A, json: { email: 'staff@example.com', password: 'long enough password', name: 'Staff', role: 'user' } }))
    await call('GET', `/users/${staff.id}`, A)
    await call('GET', `/users/${Bun.randomUUIDv7()}`, A) // 404
    await call('PATCH', `/users/${staff.id}`, { ...A, json: { name: 'Staff Member' } })
    await call('PATCH', `/users/${admin.id}`, { ...A, json: { role: 'user' } }) // 409: the last admin
    await call('DELETE', `/users/${staff.id}`, A)

    // Catalog
    const product = await json(await call('POST', '/products', { ...A, json: { sku: 'OAK-1', name: 'Oak chair', category: 'furniture', price_cents: 1999, stock: 3 } }))
    await call('POST', '/products', { ...A, json: { sku: 'OAK-1', name: 'Again', price_cents: 1 } }) // 409
    await call('POST', '/products', { ...A, json: { sku: 'BAD SKU', name: '', price_cents: '5' } }) // 422
    const spare = await json(await call('POST', '/products', { ...A, json: { sku: 'SPARE-1', name: 'Spare part', price_cents: 5, stock: 0 } }))
    await call('GET', '/products')
    await call('GET', '/products?q=oak&category=furniture&min_price=0&max_price=5000&in_stock=true&sort=price&limit=1')
    await call('GET', '/products?min_price=9&max_price=1') // 422
    const read = await call('GET', `/products/${product.id}`)
    await call('GET', `/products/${product.id}`, { headers: { 'if-none-match': read.headers.get('etag')! } }) // 304
    await call('GET', `/products/${Bun.randomUUIDv7()}`) // 404
    await call('PATCH', `/products/${product.id}`, { ...A, json: { price_cents: 2499 } })
    await call('PUT', `/products/${product.id}/image`, { ...A, headers: { 'content-type': 'image/png' }, body: IMAGES.png })
    await call('PUT', `/products/${product.id}/image`, { ...A, headers: { 'content-type': 'image/png' }, body: 'not an image' }) // 415
    await call('GET', `/products/${product.id}/image`)
    await call('DELETE', `/products/${product.id}/image`, A)
    await call('GET', `/products/${product.id}/image`) // 404
    await call('DELETE', `/products/${spare.id}`, A)
    await call('DELETE', `/products/${spare.id}`, A) // 404

    // Orders
    const order = await json(await call('POST', '/orders', { ...ada, headers: { 'idempotency-key': 'order-1' }, json: { items: [{ product_id: product.id, quantity: 1 }], note: 'by the door' } }))
    await call('POST', '/orders', { ...ada, headers: { 'idempotency-key': 'order-1' }, json: { items: [{ product_id: product.id, quantity: 1 }], note: 'by the door' } }) // replay
    await call('POST', '/orders', { ...ada, json: { items: [{ product_id: product.id, quantity: 50 }] } }) // 409
    await call('POST', '/orders', { ...ada, json: { items: [{ product_id: spare.id, quantity: '1' }] } }) // 422
    const second = await json(await call('POST', '/orders', { ...ada, json: { items: [{ product_id: product.id, quantity: 1 }] } }))
    await call('GET', '/orders', ada)
    await call('GET', `/orders?status=pending&from=2020-01-01&user_id=${registered.id}`, A)
    await call('GET', `/orders?user_id=${registered.id}`, ada) // 403
    await call('GET', `/orders/${order.id}`, ada)
    await call('PATCH', `/orders/${order.id}`, { ...A, json: { status: 'paid' } })
    await call('PATCH', `/orders/${order.id}`, { ...A, json: { status: 'delivered' } }) // 409
    await call('POST', `/orders/${second.id}/cancel`, ada)
    await call('POST', `/orders/${second.id}/cancel`, ada) // 409

    // Reports
    await call('GET', '/admin/reports/summary', A)
    await call('GET', '/admin/reports/summary?from=2026-13-01', A) // 422
    await call('GET', '/admin/reports/orders.csv', A)
    const snapshot = await json(await call('POST', '/admin/reports/snapshots', A))
    await call('GET', '/admin/reports/snapshots', A)
    await call('GET', `/admin/reports/snapshots/${snapshot.name}`, A)
    await call('GET', '/admin/reports/snapshots/summary-nope.json', A) // 404

    // Webhooks (a public documentation address: no DNS, and nothing is ever sent)
    const webhook = await json(await call('POST', '/admin/webhooks', { ...A, json: { url: 'https://198.51.100.7/kiosk', events: ['order.created'] } }))
    await call('POST', '/admin/webhooks', { ...A, json: { url: 'http://[::ffff:0:7f00:1]/', events: ['order.created'] } }) // 422
    await outboxOf(t).record('order.created', { order_id: order.id })
    await t.services.webhookWorker.dispatch()
    await call('GET', '/admin/webhooks', A)
    await call('GET', `/admin/webhooks/${webhook.id}`, A)
    await call('GET', `/admin/webhooks/${webhook.id}/deliveries`, A)
    await call('DELETE', `/admin/webhooks/${webhook.id}`, A)
    await call('GET', `/admin/webhooks/${webhook.id}`, A) // 404

    expect(violations).toEqual([])
    expect(validated).toBe(JSON_RESPONSES)
  }, 60_000)

  test('the flow touched every documented operation', () => {
    expect(operations.map((op) => op.key).filter((key) => !covered.has(key))).toEqual([])
  })
})
