import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SECURITY_HEADERS } from '../../src/http/response-headers.ts'
import { createTestApp, createUser, insertProduct } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Every kind of answer carries the same request headers, whichever way it was built: a cached read's
// prebuilt Response, a handler's JSON, a route's problem, a problem from outside any route, a page
// with its own CSP. Each header once (a value set twice would be joined with a comma).
const t = await createTestApp()
let user: Awaited<ReturnType<typeof createUser>>
let productId: string
beforeAll(async () => {
  user = await createUser(t)
  productId = (await insertProduct(t)).id
})
afterAll(() => t.close())

function expectRequestHeaders(response: Response, requestId: string, csp: string = SECURITY_HEADERS['content-security-policy']) {
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('content-security-policy')).toBe(csp)
  expect(response.headers.get('x-request-id')).toBe(requestId)
  expect(response.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d\d$/)
}

describe('request headers on every kind of response', () => {
  const cases: [string, () => { path: string; init?: RequestInit & { token?: string } }, number][] = [
    ['a cached product read (miss, then hit)', () => ({ path: `/products/${productId}` }), 200],
    ['a cached product read, again', () => ({ path: `/products/${productId}` }), 200],
    ['a handler answering JSON', () => ({ path: '/users/me', init: { token: user.token } }), 200],
    ['a route problem (unknown product)', () => ({ path: '/products/no-such-product' }), 404],
    ['a problem outside any route', () => ({ path: '/no/such/route' }), 404],
    ['a refused token', () => ({ path: '/users/me', init: { token: 'not.a.token' } }), 401],
    ['a malformed body', () => ({ path: '/token', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' } }), 400],
  ]
  for (const [name, make, status] of cases) {
    test(name, async () => {
      const { path, init } = make()
      const requestId = `trace-${status}-${name.length}`
      const response = await t.request(path, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-request-id': requestId } })
      expect(response.status).toBe(status)
      expectRequestHeaders(response, requestId)
    })
  }

  test('a 304 from the prebuilt set', async () => {
    const etag = (await t.request(`/products/${productId}`)).headers.get('etag')!
    const response = await t.request(`/products/${productId}`, { headers: { 'if-none-match': etag, 'x-request-id': 'trace-304' } })
    expect(response.status).toBe(304)
    expectRequestHeaders(response, 'trace-304')
    expect(response.headers.get('etag')).toBe(etag)
    expect(response.headers.get('content-type')).toBeNull()
  })

  test('the docs page keeps its own CSP and gets the other headers', async () => {
    const response = await t.request('/docs', { headers: { 'x-request-id': 'trace-docs' } })
    expect(response.status).toBe(200)
    const csp = response.headers.get('content-security-policy')!
    expect(csp).not.toBe(SECURITY_HEADERS['content-security-policy'])
    expectRequestHeaders(response, 'trace-docs', csp)
  })
})
