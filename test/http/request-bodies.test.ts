import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { lingerBytes } from '../../src/http/body-limit.ts'
import { JSON_MAX_DEPTH, jsonNestsDeeperThan } from '../../src/http/json-depth.ts'
import { BASE, createTestApp, createUser, expectProblem, json } from '../helpers.ts'
import { createProduct, IMAGES } from '../modules/catalog/fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Bodies: media types (415), size counted while streaming (413), nesting depth (400), auth first (401).
const LIMIT = 64 * 1024
const t = await createTestApp({ BODY_LIMIT: `${LIMIT}`, IMAGE_MAX_BYTES: `${LIMIT}` })
let user: Awaited<ReturnType<typeof createUser>>
let admin: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  user = await createUser(t)
  admin = await createUser(t, { role: 'admin' })
})
afterAll(() => t.close())

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`

/** A body with no Content-Length: a stream, as a chunked upload arrives. */
function chunked(text: string, chunkSize = 16 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.subarray(offset, offset + chunkSize))
      offset += chunkSize
    },
  })
}

const send = (path: string, init: { method?: string; type?: string; body: RequestInit["body"]; token?: string }) => {
  const headers = new Headers()
  if (init.type) headers.set('content-type', init.type)
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  return t.app.handle(new Request(`${BASE}${path}`, { method: init.method ?? 'POST', headers, body: init.body, duplex: 'half' } as RequestInit))
}

/** An RFC 6749 §5.2 error body with its status. */
async function expectOAuthError(response: Response, error: string) {
  const body = await json(response)
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8')
  expect(body.error).toBe(error)
  return body
}

describe('nesting depth', () => {
  test(`the scan counts [ and { outside strings, up to ${JSON_MAX_DEPTH}`, () => {
    expect(jsonNestsDeeperThan(nested(JSON_MAX_DEPTH), JSON_MAX_DEPTH)).toBe(false)
    expect(jsonNestsDeeperThan(nested(JSON_MAX_DEPTH + 1), JSON_MAX_DEPTH)).toBe(true)
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, JSON_MAX_DEPTH)).toBe(false)
    expect(jsonNestsDeeperThan(`${'{"a":'.repeat(65)}1${'}'.repeat(65)}`, JSON_MAX_DEPTH)).toBe(true)
  })

  test('5000 nested arrays in POST /auth/register are a 400 problem, not a crash', async () => {
    const response = await send('/auth/register', { type: 'application/json', body: `{"email":${nested(5000)},"password":"x","name":"y"}` })
    const problem = await expectProblem(response, 400)
    expect(problem.detail).toBe(`The JSON body nests deeper than ${JSON_MAX_DEPTH} levels.`)
  })

  test('500,000 nested arrays in POST /orders (1 MB) are a 400 problem', async () => {
    const big = await createTestApp({ BODY_LIMIT: '2mb' })
    const buyer = await createUser(big)
    const response = await big.request('/orders', { method: 'POST', token: buyer.token, headers: { 'content-type': 'application/json' }, body: `{"items":${nested(500_000)}}` })
    await expectProblem(response, 400)
    big.close()
  })

  test('PATCH /users/me and POST /products refuse deep nesting with 400', async () => {
    await expectProblem(await send('/users/me', { method: 'PATCH', type: 'application/json', token: user.token, body: `{"name":${nested(5000)}}` }), 400)
    await expectProblem(await send('/products', { type: 'application/json', token: admin.token, body: `{"sku":${nested(5000)}}` }), 400)
  })

  test('on /token and /token/revoke it is an RFC 6749 invalid_request', async () => {
    await expectOAuthError(await send('/token', { type: 'application/json', body: `{"username":${nested(5000)}}` }), 'invalid_request')
    await expectOAuthError(await send('/token/revoke', { type: 'application/json', body: `{"token":${nested(5000)}}` }), 'invalid_request')
  })

  test(`${JSON_MAX_DEPTH} levels are still read (and then validated)`, async () => {
    const response = await send('/users/me', { method: 'PATCH', type: 'application/json', token: user.token, body: `{"name":${nested(JSON_MAX_DEPTH - 1)}}` })
    await expectProblem(response, 422)
  })
})

describe('media types', () => {
  test('a form body on PATCH /users/me is 415 and changes nothing', async () => {
    const response = await send('/users/me', { method: 'PATCH', type: 'application/x-www-form-urlencoded', token: user.token, body: 'name=x' })
    const problem = await expectProblem(response, 415)
    expect(problem.detail).toBe('The body must be application/json.')
    expect((await json(await t.request('/users/me', { token: user.token }))).name).toBe(user.name)
  })

  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
    test(`POST /auth/register as ${type} is 415`, async () => {
      await expectProblem(await send('/auth/register', { type, body: '{"email":"a@b.co","password":"long enough","name":"n"}' }), 415)
    })
  }

  test('a body without Content-Type is 415; no body at all is judged by the schema (422)', async () => {
    await expectProblem(await send('/auth/register', { body: '{"email":"a@b.co","password":"long enough","name":"n"}' }), 415)
    await expectProblem(await t.request('/auth/register', { method: 'POST' }), 422)
  })

  test('a bodiless POST is judged by the route, whatever its Content-Type says', async () => {
    for (const type of ['application/json', 'text/plain']) {
      const response = await t.app.handle(
        new Request(`${BASE}/auth/register`, { method: 'POST', headers: { 'content-type': type } }),
      )
      await expectProblem(response, 422)
    }
  })

  test('application/json with parameters is JSON', async () => {
    const response = await send('/users/me', { method: 'PATCH', type: 'Application/JSON; charset=utf-8', token: user.token, body: '{"name":"Renamed"}' })
    expect(response.status).toBe(200)
  })

  test('/token takes forms and JSON; other types are a 415 problem', async () => {
    const fields = { grant_type: 'password', username: user.email, password: user.password }
    expect((await send('/token', { type: 'application/x-www-form-urlencoded', body: new URLSearchParams(fields).toString() })).status).toBe(200)
    expect((await send('/token', { type: 'application/json', body: JSON.stringify(fields) })).status).toBe(200)
    await expectProblem(await send('/token', { type: 'text/plain', body: 'grant_type=password' }), 415)
    expect((await send('/token/revoke', { type: 'application/x-www-form-urlencoded', body: 'token=nope' })).status).toBe(200)
    await expectProblem(await send('/token/revoke', { type: 'application/xml', body: '<token/>' }), 415)
  })

  test('image uploads keep their raw and multipart types', async () => {
    const product = await createProduct(t, admin.token)
    expect((await send(`/products/${product.id}/image`, { method: 'PUT', type: 'image/png', token: admin.token, body: IMAGES.png })).status).toBe(200)
    const form = new FormData()
    form.set('file', new Blob([IMAGES.gif]), 'a.gif')
    expect((await t.request(`/products/${product.id}/image`, { method: 'PUT', token: admin.token, body: form })).status).toBe(200)
  })

  test('authentication comes first: an anonymous form body is 401, a user on an admin route 403', async () => {
    await expectProblem(await send('/users/me', { method: 'PATCH', type: 'application/x-www-form-urlencoded', body: 'name=x' }), 401)
    await expectProblem(await send('/products', { type: 'text/plain', token: user.token, body: 'x' }), 403)
    await expectProblem(await send('/products', { type: 'application/json', token: user.token, body: chunked('x'.repeat(LIMIT * 2)) }), 403)
  })

  test('415 is documented on every operation that takes a body', async () => {
    const document = await json(await t.request('/docs/json'))
    const withBody = Object.entries<Record<string, any>>(document.paths).flatMap(([path, operations]) =>
      Object.entries<any>(operations)
        .filter(([, operation]) => operation.requestBody)
        .map(([method, operation]) => ({ where: `${method} ${path}`, documented: Boolean(operation.responses['415']) })),
    )
    expect(withBody.map((op) => op.where)).toContain('post /orders')
    expect(withBody.filter((op) => !op.documented)).toEqual([])
  })
})

describe('BODY_LIMIT whatever the framing', () => {
  const overLimit = JSON.stringify({ email: 'a@b.co', password: 'long enough', name: 'x'.repeat(LIMIT) })

  test('a chunked JSON body over the limit to POST /auth/register is 413, not 422', async () => {
    await expectProblem(await send('/auth/register', { type: 'application/json', body: chunked(overLimit) }), 413)
  })

  test('a chunked body over the limit to /token is a 413 problem', async () => {
    await expectProblem(await send('/token', { type: 'application/x-www-form-urlencoded', body: chunked(`username=${'x'.repeat(LIMIT)}`) }), 413)
  })

  test('a chunked body of exactly the limit is read', async () => {
    const name = 'x'.repeat(LIMIT - '{"name":""}'.length)
    const response = await send('/users/me', { method: 'PATCH', type: 'application/json', token: user.token, body: chunked(`{"name":"${name}"}`) })
    await expectProblem(response, 422) // read and parsed: the name is then too long for the schema
  })

  test('a declared Content-Length over the limit is 413 before anything is read', async () => {
    const response = await t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(LIMIT + 1) }, body: '{}' })
    await expectProblem(response, 413)
  })

  test('a refused body is discarded up to the lingering bound; past it the 413 closes the connection', async () => {
    const declare = (length: number) =>
      t.request('/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length) }, body: '{}' })
    const lingering = await declare(lingerBytes(LIMIT))
    await expectProblem(lingering, 413)
    expect(lingering.headers.get('connection')).toBeNull()
    const closing = await declare(lingerBytes(LIMIT) + 1)
    await expectProblem(closing, 413)
    expect(closing.headers.get('connection')).toBe('close')
    expect(lingerBytes(LIMIT)).toBe(64 * 1024 * 1024)
  })

  test('a chunked image over IMAGE_MAX_BYTES is 413', async () => {
    const product = await createProduct(t, admin.token)
    await expectProblem(await send(`/products/${product.id}/image`, { method: 'PUT', type: 'image/png', token: admin.token, body: chunked('x'.repeat(LIMIT + 1)) }), 413)
  })
})
