import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { expectProblem, json } from '../../helpers.ts'
import { catalogApp, createProduct, STORED_COLUMNS } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const { t, admin, customer } = await catalogApp()

const productCount = async () => (await t.sql<{ n: number }>(sql`SELECT CAST(count(*) AS integer) AS n FROM products`))[0]!.n
/** The stored row, `active` as SQLite's 0/1 on either dialect; null when there is none. */
const row = async (id: string) =>
  (await t.sql<Record<string, unknown>>(sql`SELECT ${sql.raw(STORED_COLUMNS)} FROM products WHERE id = ${id}`))[0] ?? null

/** Inserts an order line for the product straight into the tables, as the orders module would. */
async function referenceFromAnOrder(productId: string) {
  const now = t.clock.now().toISOString()
  const orderId = Bun.randomUUIDv7()
  await t.sql(sql`INSERT INTO orders (id, user_id, status, total_cents, currency, created_at, updated_at)
    VALUES (${orderId}, ${customer.id}, 'pending', 100, 'USD', ${now}, ${now})`)
  await t.sql(sql`INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
    VALUES (${orderId}, 0, ${productId}, 'SKU', 'Name', 100, 1, 100)`)
}

describe('POST /products', () => {
  test('creates a product: 201, Location, defaults, timestamps from the clock', async () => {
    const response = await t.request('/products', { method: 'POST', token: admin.token, json: { sku: 'OAK.chair_01-x', name: 'Oak chair', price_cents: 0 } })
    expect(response.status).toBe(201)
    const body = await json(response)
    expect(response.headers.get('location')).toBe(`/products/${body.id}`)
    expect(body).toMatchObject({ sku: 'OAK.chair_01-x', name: 'Oak chair', description: '', category: null, price_cents: 0, stock: 0, active: true, image_url: null })
    expect(body.created_at).toBe(t.clock.now().toISOString())
    expect(body.updated_at).toBe(body.created_at)
    expect((await t.request(`/products/${body.id}`)).status).toBe(200)
  })

  test('ignores id, created_at, image_url and other unknown fields (no mass assignment)', async () => {
    const response = await t.request('/products', {
      method: 'POST',
      token: admin.token,
      json: { sku: 'MASS-1', name: 'Mass', price_cents: 1, id: 'chosen-id', created_at: '2000-01-01T00:00:00.000Z', image_url: '/etc/passwd', image_key: '../../x', role: 'admin' },
    })
    expect(response.status).toBe(201)
    const body = await json(response)
    expect(body.id).not.toBe('chosen-id')
    expect(body.created_at).not.toBe('2000-01-01T00:00:00.000Z')
    expect(body.image_url).toBeNull()
    expect((await row(body.id))!.image_key).toBeNull()
  })

  test('is 409 for a duplicate sku and creates nothing', async () => {
    await createProduct(t, admin.token, { sku: 'DUP-1' })
    const before = await productCount()
    const body = await expectProblem(await t.request('/products', { method: 'POST', token: admin.token, json: { sku: 'DUP-1', name: 'Again', price_cents: 1 } }), 409)
    expect(body.errors).toEqual([{ path: '/sku', message: 'already exists', in: 'body' }])
    expect(await productCount()).toBe(before)
  })

  const valid = { sku: 'VALID-1', name: 'Valid', price_cents: 100 }
  const invalid: [string, Record<string, unknown>, string][] = [
    ['a negative price', { ...valid, price_cents: -1 }, '/price_cents'],
    ['a price over 10^9', { ...valid, price_cents: 1_000_000_001 }, '/price_cents'],
    ['a fractional price', { ...valid, price_cents: 10.5 }, '/price_cents'],
    ['a price as a string', { ...valid, price_cents: '100' }, '/price_cents'],
    ['a negative stock', { ...valid, stock: -1 }, '/stock'],
    ['a fractional stock', { ...valid, stock: 1.5 }, '/stock'],
    ['an empty sku', { ...valid, sku: '' }, '/sku'],
    ['a sku with a space', { ...valid, sku: 'A B' }, '/sku'],
    ['a sku with a slash', { ...valid, sku: '../etc' }, '/sku'],
    ['a sku of 65 characters', { ...valid, sku: 'a'.repeat(65) }, '/sku'],
    ['a non-ASCII sku', { ...valid, sku: 'skü' }, '/sku'],
    ['an empty name', { ...valid, name: '' }, '/name'],
    ['a name of 201 characters', { ...valid, name: 'n'.repeat(201) }, '/name'],
    ['a blank name', { ...valid, name: '   ' }, '/name'],
    ['a name with a control character', { ...valid, name: 'Bell\u0007' }, '/name'],
    ['a name with a lone surrogate', { ...valid, name: 'half \ud800' }, '/name'],
    ['a description of 5001 characters', { ...valid, description: 'd'.repeat(5001) }, '/description'],
    ['a category of 101 characters', { ...valid, category: 'c'.repeat(101) }, '/category'],
    ['a missing price', { sku: 'X', name: 'X' }, '/price_cents'],
    ['active as a string', { ...valid, active: 'yes' }, '/active'],
  ]
  for (const [what, body, path] of invalid) {
    test(`is 422 for ${what}, naming ${path}, and creates nothing`, async () => {
      const before = await productCount()
      const problem = await expectProblem(await t.request('/products', { method: 'POST', token: admin.token, json: body }), 422)
      expect(problem.errors.map((error: { path: string }) => error.path)).toContain(path)
      expect(await productCount()).toBe(before)
    })
  }

  test('counts characters, not UTF-16 units: 200 emoji are a valid name, a 64-character sku is valid', async () => {
    const product = await createProduct(t, admin.token, { name: '😀'.repeat(200), sku: 'S'.repeat(64) })
    expect([...product.name].length).toBe(200)
  })

  test('keeps its validation messages after the OpenAPI document is built', async () => {
    expect((await t.request('/docs/json')).status).toBe(200)
    const problem = await expectProblem(await t.request('/products', { method: 'POST', token: admin.token, json: { ...valid, name: '' } }), 422)
    expect(problem.errors).toContainEqual({ path: '/name', message: 'must be 1 to 200 characters long', in: 'body' })
  })

  test('keeps newlines and tabs in a description', async () => {
    const product = await createProduct(t, admin.token, { description: 'line one\n\tline two\r\n' })
    expect(product.description).toBe('line one\n\tline two\r\n')
  })

  test('is 400 for a malformed JSON body', async () => {
    await expectProblem(await t.request('/products', { method: 'POST', token: admin.token, body: '{"sku":', headers: { 'content-type': 'application/json' } }), 400)
  })

  test('is 401 for an anonymous caller whatever the body, and 403 for a user', async () => {
    await expectProblem(await t.request('/products', { method: 'POST', json: { sku: 'A', name: 'A', price_cents: 1 } }), 401)
    await expectProblem(await t.request('/products', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } }), 401)
    await expectProblem(await t.request('/products', { method: 'POST', token: customer.token, json: { sku: 'A', name: 'A', price_cents: 1 } }), 403)
  })
})

describe('PATCH /products/{id}', () => {
  test('changes the given fields only and bumps updated_at', async () => {
    const product = await createProduct(t, admin.token, { name: 'Before', description: 'Keep me', category: 'old', stock: 4 })
    t.clock.advance(60_000)
    const response = await t.request(`/products/${product.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { name: 'After', category: null, price_cents: 777, stock: 0, active: false, sku: `${product.sku}-B` },
    })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({ name: 'After', description: 'Keep me', category: null, price_cents: 777, stock: 0, active: false, sku: `${product.sku}-B` })
    expect(body.created_at).toBe(product.created_at)
    expect(body.updated_at).toBe(t.clock.now().toISOString())
  })

  test('ignores id, created_at and unknown fields; an empty patch changes nothing', async () => {
    const product = await createProduct(t, admin.token)
    const response = await t.request(`/products/${product.id}`, {
      method: 'PATCH',
      token: admin.token,
      json: { id: 'other', created_at: '2000-01-01T00:00:00.000Z', updated_at: '2000-01-01T00:00:00.000Z', image_key: 'x.png' },
    })
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual(product)
    expect((await row(product.id))!.image_key).toBeNull()
  })

  test('is 409 when the new sku is taken, and changes nothing', async () => {
    const first = await createProduct(t, admin.token)
    const second = await createProduct(t, admin.token)
    await expectProblem(await t.request(`/products/${second.id}`, { method: 'PATCH', token: admin.token, json: { sku: first.sku, name: 'Renamed' } }), 409)
    expect(await json(await t.request(`/products/${second.id}`))).toEqual(second)
  })

  test('is 422 for invalid values and changes nothing', async () => {
    const product = await createProduct(t, admin.token)
    for (const body of [{ price_cents: -5 }, { stock: -1 }, { name: '' }, { sku: 'a/b' }, { active: 'false' }, { category: '' }]) {
      await expectProblem(await t.request(`/products/${product.id}`, { method: 'PATCH', token: admin.token, json: body }), 422)
    }
    expect(await json(await t.request(`/products/${product.id}`))).toEqual(product)
  })

  test('is 404 for an unknown product', async () => {
    await expectProblem(await t.request(`/products/${Bun.randomUUIDv7()}`, { method: 'PATCH', token: admin.token, json: { name: 'X' } }), 404)
    await expectProblem(await t.request(`/products/${Bun.randomUUIDv7()}`, { method: 'PATCH', token: admin.token, json: {} }), 404)
  })

  test('is 401 anonymous (whatever the body) and 403 for a user', async () => {
    const product = await createProduct(t, admin.token)
    await expectProblem(await t.request(`/products/${product.id}`, { method: 'PATCH', json: { price_cents: 1 } }), 401)
    await expectProblem(await t.request(`/products/${product.id}`, { method: 'PATCH', json: { price_cents: -1 } }), 401)
    await expectProblem(await t.request(`/products/${product.id}`, { method: 'PATCH', token: customer.token, json: { price_cents: 1 } }), 403)
    expect(await json(await t.request(`/products/${product.id}`))).toEqual(product)
  })
})

describe('DELETE /products/{id}', () => {
  test('deletes a product no order references: 204, then 404', async () => {
    const product = await createProduct(t, admin.token)
    const response = await t.request(`/products/${product.id}`, { method: 'DELETE', token: admin.token })
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
    expect(await row(product.id)).toBeNull()
    await expectProblem(await t.request(`/products/${product.id}`, { token: admin.token }), 404)
  })

  test('archives a product that an order references: 204, inactive, hidden from customers', async () => {
    const product = await createProduct(t, admin.token)
    await referenceFromAnOrder(product.id)
    await t.request(`/products/${product.id}`)
    t.clock.advance(1000)
    expect((await t.request(`/products/${product.id}`, { method: 'DELETE', token: admin.token })).status).toBe(204)
    expect(await row(product.id)).toMatchObject({ active: 0, updated_at: t.clock.now().toISOString() })
    await expectProblem(await t.request(`/products/${product.id}`), 404)
    expect((await json(await t.request(`/products/${product.id}`, { token: admin.token }))).active).toBe(false)
    // Archiving again is still 204 and changes nothing more.
    t.clock.advance(1000)
    expect((await t.request(`/products/${product.id}`, { method: 'DELETE', token: admin.token })).status).toBe(204)
    expect((await row(product.id))!.updated_at).not.toBe(t.clock.now().toISOString())
  })

  test('is 404 for an unknown product', async () => {
    await expectProblem(await t.request(`/products/${Bun.randomUUIDv7()}`, { method: 'DELETE', token: admin.token }), 404)
  })

  test('is 401 anonymous and 403 for a user, and deletes nothing', async () => {
    const product = await createProduct(t, admin.token)
    await expectProblem(await t.request(`/products/${product.id}`, { method: 'DELETE' }), 401)
    await expectProblem(await t.request(`/products/${product.id}`, { method: 'DELETE', token: customer.token }), 403)
    expect(await row(product.id)).not.toBeNull()
  })
})
