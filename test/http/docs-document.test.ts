import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTestApp, createUser, insertProduct, json } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * What generated clients and Swagger UI read in /docs/json: plain integers in bodies, named schemas
 * referenced by $ref, identifiers for operationIds, no pre-filled filters, only usable schemes.
 */

const t = await createTestApp()
afterAll(() => t.close())
const doc = await json(await t.request('/docs/json'))

const nodes = (root: unknown): Record<string, any>[] => {
  const out: Record<string, any>[] = []
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk)
    else if (node && typeof node === 'object') {
      out.push(node as Record<string, any>)
      Object.values(node).forEach(walk)
    }
  }
  walk(root)
  return out
}
const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, spec]) => ({ path, method, spec })),
)
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const jsonSchema = (path: string, method: string, status: string) => doc.paths[path][method].responses[status].content['application/json'].schema

describe('integers', () => {
  test('no schema documents a numeric string (t.Numeric / t.Integer coercion) anywhere', () => {
    const coercing = nodes(doc).filter((node) => node.format === 'integer' || node.format === 'numeric' || (node.type === 'number' && 'multipleOf' in node))
    expect(coercing).toEqual([])
  })

  test('body and response integers are plain `type: integer`', () => {
    const { schemas } = doc.components
    expect(schemas.OrderLineInput.properties.quantity).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 })
    expect(schemas.ProductCreate.properties.price_cents).toMatchObject({ type: 'integer', minimum: 0 })
    expect(schemas.ProductCreate.properties.stock).toMatchObject({ type: 'integer', minimum: 0 })
    for (const field of ['unit_price_cents', 'quantity', 'line_total_cents']) expect(schemas.OrderLine.properties[field].type).toBe('integer')
    expect(schemas.Order.properties.total_cents.type).toBe('integer')
    expect(schemas.Problem.properties.status).toMatchObject({ type: 'integer' })
    expect(schemas.Delivery.properties.last_status_code).toEqual({ type: ['integer', 'null'], description: expect.any(String) })
  })

  test('query integers are documented as integers too (they are text on the wire, coerced by the server)', () => {
    const minPrice = doc.paths['/products'].get.parameters.find((p: any) => p.name === 'min_price')
    expect(minPrice.schema).toEqual({ type: 'integer', minimum: 0, maximum: 1_000_000_000, description: 'Lowest price_cents, inclusive' })
  })
})

describe('named schemas', () => {
  const RESOURCES = ['Product', 'ProductPage', 'Order', 'OrderPage', 'OrderLine', 'OrderHistoryEntry', 'User', 'UserPage', 'Token', 'TokenError',
    'Webhook', 'WebhookCreated', 'WebhookPage', 'Delivery', 'DeliveryPage', 'Summary', 'Snapshot', 'SnapshotList', 'SnapshotDocument', 'Problem']

  test('components.schemas has every resource', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(RESOURCES))
  })

  test('operations reference them with $ref', () => {
    expect(jsonSchema('/products/{id}', 'get', '200')).toEqual(ref('Product'))
    expect(jsonSchema('/products', 'get', '200')).toEqual(ref('ProductPage'))
    expect(jsonSchema('/orders/{id}', 'get', '200')).toEqual(ref('Order'))
    expect(jsonSchema('/orders', 'get', '200')).toEqual(ref('OrderPage'))
    expect(jsonSchema('/users/me', 'get', '200')).toEqual(ref('User'))
    expect(jsonSchema('/users', 'get', '200')).toEqual(ref('UserPage'))
    expect(jsonSchema('/token', 'post', '200')).toEqual(ref('Token'))
    expect(jsonSchema('/admin/webhooks', 'post', '201')).toEqual(ref('WebhookCreated'))
    expect(jsonSchema('/admin/webhooks/{id}', 'get', '200')).toEqual(ref('Webhook'))
    expect(jsonSchema('/admin/webhooks/{id}/deliveries', 'get', '200')).toEqual(ref('DeliveryPage'))
    expect(jsonSchema('/admin/reports/summary', 'get', '200')).toEqual(ref('Summary'))
    expect(jsonSchema('/admin/reports/snapshots', 'post', '202')).toEqual(ref('Snapshot'))
    expect(doc.paths['/orders'].post.requestBody.content['application/json'].schema).toEqual(ref('OrderCreate'))
    expect(doc.paths['/products/{id}'].get.responses['404'].content['application/problem+json'].schema).toMatchObject(ref('Problem'))
  })

  test('named schemas reference each other', () => {
    const { schemas } = doc.components
    expect(schemas.Order.properties.items.items).toEqual(ref('OrderLine'))
    expect(schemas.Order.properties.history.items).toEqual(ref('OrderHistoryEntry'))
    expect(schemas.ProductPage.properties.items.items).toEqual(ref('Product'))
    expect(schemas.DeliveryPage.properties.items.items).toEqual(ref('Delivery'))
    expect(schemas.SnapshotDocument.properties.summary).toEqual(ref('Summary'))
  })

  test('no titled schema is left inline (each title names exactly one schema)', () => {
    const inline = nodes(doc.paths).filter((node) => typeof node.title === 'string' && node.type === 'object')
    expect(inline.map((node) => node.title)).toEqual([])
  })

  test('every $ref resolves', () => {
    const missing = nodes(doc)
      .map((node) => node.$ref)
      .filter((target): target is string => typeof target === 'string')
      .filter((target) => !doc.components.schemas[target.replace('#/components/schemas/', '')])
    expect(missing).toEqual([])
  })

  test('a nullable enum admits null (history[].from)', () => {
    expect(doc.components.schemas.OrderHistoryEntry.properties.from).toMatchObject({
      type: ['string', 'null'],
      enum: ['pending', 'paid', 'shipped', 'delivered', 'cancelled', null],
    })
    const broken = nodes(doc).filter((node) => Array.isArray(node.enum) && Array.isArray(node.type) && node.type.includes('null') && !node.enum.includes(null))
    expect(broken).toEqual([])
  })
})

describe('Swagger UI', () => {
  test('operationIds are identifiers (no dots)', () => {
    const ids = operations.map((op) => op.spec.operationId)
    expect(ids.filter((id) => !/^[A-Za-z][A-Za-z0-9]*$/.test(id))).toEqual([])
    expect(doc.paths['/admin/reports/orders.csv'].get.operationId).toBe('getAdminReportsOrdersCsv')
    expect(new Set(ids).size).toBe(ids.length)
  })

  test('"Try it out" with every pre-filled query value answers as the bare request does', async () => {
    const admin = await createUser(t, { role: 'admin' })
    for (let i = 0; i < 3; i++) await insertProduct(t, { priceCents: 100 * (i + 1), stock: i })
    const prefilled: string[] = []
    for (const { path, method, spec } of operations) {
      if (method !== 'get' || path.includes('{')) continue
      const query = new URLSearchParams()
      for (const parameter of spec.parameters ?? []) {
        if (parameter.in !== 'query') continue
        const value = parameter.example ?? parameter.examples ?? parameter.schema?.example ?? parameter.schema?.examples?.[0] ?? parameter.schema?.default
        if (value !== undefined) query.set(parameter.name, String(typeof value === 'object' ? Object.values(value)[0] : value))
      }
      if (![...query.keys()].length) continue
      prefilled.push(`${path}?${query}`)
      const bare = await (await t.request(path, { token: admin.token })).text()
      const filled = await (await t.request(`${path}?${query}`, { token: admin.token })).text()
      expect({ path, body: filled }).toEqual({ path, body: bare })
    }
    // Only page sizes are pre-filled, with the default the server uses anyway.
    expect(prefilled).toEqual(['/users?limit=20', '/products?limit=20', '/orders?limit=20', '/admin/webhooks?limit=20', '/admin/emails?limit=20'])
  })

  test('the page has a favicon, served by the app itself', async () => {
    const page = await (await t.request('/docs')).text()
    expect(page).toContain('<link rel="icon" href="/docs/assets/favicon.svg" type="image/svg+xml">')
    const icon = await t.request('/docs/assets/favicon.svg')
    expect(icon.status).toBe(200)
    expect(icon.headers.get('content-type')).toBe('image/svg+xml')
    expect(await icon.text()).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"')
  })

  test('Authorize offers only the schemes a caller can use: the password flow and a bearer token', () => {
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer', 'oauth2'])
    expect(doc.paths['/metrics'].get.security).toEqual([])
    const used = new Set(operations.flatMap((op) => (op.spec.security ?? []).flatMap((s: Record<string, unknown>) => Object.keys(s))))
    expect([...used].sort()).toEqual(['bearer', 'oauth2'])
  })

  test('with METRICS_TOKEN set, GET /metrics requires its scheme and the document offers it', async () => {
    const guarded = await createTestApp({ METRICS_TOKEN: 'metrics-secret-123' })
    try {
      const document = await json(await guarded.request('/docs/json'))
      expect(Object.keys(document.components.securitySchemes)).toEqual(['metricsToken', 'bearer', 'oauth2'])
      expect(document.paths['/metrics'].get.security).toEqual([{ metricsToken: [] }])
    } finally {
      guarded.close()
    }
  })
})
