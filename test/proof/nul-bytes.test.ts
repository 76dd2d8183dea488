import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTestApp, createUser, insertProduct, json, onPostgres } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * A NUL (U+0000) wherever a request can put one: in path ids, filters, cursors, bodies. SQLite's
 * text holds a NUL, PostgreSQL's can't (it refuses the statement: the fuzzer found 500s), so the
 * PostgreSQL stores check first (src/db/pg/nul.ts). Never a 5xx; lookups answer as on SQLite. Where
 * PostgreSQL can't do what SQLite does (compare a forged cursor holding one), it answers 422
 * instead, and this table says so; free text with a NUL is refused by the schemas on both.
 */

const t = await createTestApp({ LOGIN_MAX_FAILURES: '2' })
afterAll(() => t.close())
const admin = await createUser(t, { role: 'admin' })
const user = await createUser(t)
const product = await insertProduct(t, {})

const N = '%00%01%1F'
const n = '\u0000x'
const forgedCursor = Buffer.from(JSON.stringify([n, 'x'])).toString('base64url')

type Case = [method: string, path: string, body: unknown, as: 'admin' | 'user', sqlite: number, postgres?: number]
const cases: Case[] = [
  ['GET', `/orders/${N}`, undefined, 'admin', 404],
  ['PATCH', `/orders/${N}`, { status: 'paid' }, 'admin', 404],
  ['POST', `/orders/${N}/cancel`, undefined, 'admin', 404],
  ['GET', `/orders?user_id=${N}`, undefined, 'admin', 200],
  ['GET', `/admin/webhooks/${N}`, undefined, 'admin', 404],
  ['DELETE', `/admin/webhooks/${N}`, undefined, 'admin', 404],
  ['GET', `/admin/webhooks/${N}/deliveries`, undefined, 'admin', 404],
  ['GET', `/users/${N}`, undefined, 'admin', 404],
  ['PATCH', `/users/${N}`, { name: 'x' }, 'admin', 404],
  ['DELETE', `/users/${N}`, undefined, 'admin', 404],
  ['GET', `/products/${N}`, undefined, 'admin', 404],
  ['GET', `/products/${N}/image`, undefined, 'admin', 404],
  ['GET', `/products?q=${N}`, undefined, 'admin', 200],
  ['GET', `/products?category=${N}`, undefined, 'admin', 200],
  ['POST', '/orders', { items: [{ product_id: n, quantity: 1 }] }, 'user', 422],
  ['POST', '/auth/refresh', { refresh_token: n }, 'user', 404],
  ['POST', '/token', { grant_type: 'refresh_token', refresh_token: n }, 'user', 400],
  ['POST', '/auth/verify-email/confirm', { token: n }, 'user', 404],
  ['POST', '/auth/logout', { refresh_token: n }, 'user', 404],
  ['GET', `/admin/reports/snapshots/${N}`, undefined, 'admin', 404],
  ['POST', '/admin/webhooks', { url: `https://198.51.100.7/${n}`, events: ['order.created'] }, 'admin', 201],
  // A forged cursor with a NUL: refused on PostgreSQL, as the catalog's is on both.
  ['GET', `/orders?cursor=${forgedCursor}`, undefined, 'admin', 200, 422],
  ['GET', `/users?cursor=${forgedCursor}`, undefined, 'admin', 200, 422],
  ['GET', `/admin/webhooks?cursor=${forgedCursor}`, undefined, 'admin', 200, 422],
  ['GET', `/products?cursor=${forgedCursor}`, undefined, 'admin', 422],
]

const send = (method: string, path: string, body: unknown, as: 'admin' | 'user') =>
  t.request(path, { method, token: (as === 'admin' ? admin : user).token, ...(body === undefined ? {} : { json: body }) })

// Every row spelled out to its full length: test.each hands a missing last argument `done`.
const rows = cases.map(([method, path, body, as, sqlite, postgres]) => [method, path, body, as, sqlite, postgres ?? sqlite] as const)

describe('a NUL in a request', () => {
  test.each(rows)('%s %s %j (as %s): %i on SQLite, %i on PostgreSQL', async (method, path, body, as, sqlite, postgres) => {
    const response = await send(method, path, body, as)
    expect(response.status).toBe(onPostgres ? postgres : sqlite)
    if (onPostgres && postgres === 422 && sqlite !== 422) {
      expect((await json(response)).errors).toContainEqual(expect.objectContaining({ message: 'invalid cursor' }))
    }
  })

  // Free text with a NUL: PostgreSQL can't store it, so the schemas refuse it on both.
  test.each([
    ['POST', '/orders', { items: [{ product_id: product.id, quantity: 1 }], note: n }, 'user', '/note'],
    ['PATCH', '/users/me', { name: n }, 'user', '/name'],
    ['PATCH', `/users/${user.id}`, { name: n }, 'admin', '/name'],
    ['POST', '/users', { email: 'nul-create@example.com', password: 'long enough password', name: n, role: 'user' }, 'admin', '/name'],
    ['POST', '/auth/register', { email: 'nul-register@example.com', password: 'long enough password', name: n }, 'user', '/name'],
  ] as const)('%s %s %j (as %s): 422 naming %s, on both dialects', async (method, path, body, as, field) => {
    const response = await send(method, path, body, as)
    expect(response.status).toBe(422)
    expect((await json(response)).errors).toContainEqual(expect.objectContaining({ path: field, message: expect.stringContaining('no NUL (U+0000)') }))
  })

  test('a search with a NUL reads its pattern up to the NUL, as SQLite LIKE does: q=NUL lists everyone', async () => {
    const everyone = (await json(await send('GET', '/users?limit=100', undefined, 'admin'))).items.map((u: { id: string }) => u.id)
    const matched = (await json(await send('GET', '/users?limit=100&q=%00zz', undefined, 'admin'))).items.map((u: { id: string }) => u.id)
    expect(matched).toEqual(everyone)
  })

  test('failed logins under a login name with a NUL are counted like any other', async () => {
    const attempt = () =>
      t.request('/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=password&username=${encodeURIComponent(`who${n}@example.com`)}&password=wrong`,
      })
    expect([(await attempt()).status, (await attempt()).status, (await attempt()).status]).toEqual([400, 400, 429])
  })
})
