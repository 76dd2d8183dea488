import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql, type SQL } from 'drizzle-orm'
import { createTestApp, createUser, expectProblem, json, type TestApp } from '../../helpers.ts'
import { outboxOf } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Public literals from the documentation ranges: valid targets that need no DNS and reach nobody.
const TARGET = 'https://198.51.100.7/kiosk'

const t = await createTestApp()
let admin: string
let user: string
beforeAll(async () => {
  admin = (await createUser(t, { role: 'admin' })).token
  user = (await createUser(t)).token
})
afterAll(() => t.close())

const count = async (app: TestApp, query: SQL) => (await app.sql<{ n: number }>(query))[0]!.n
const webhookCount = () => count(t, sql`SELECT CAST(count(*) AS integer) AS n FROM webhooks`)
const deliveryCount = (webhookId: string) =>
  count(t, sql`SELECT CAST(count(*) AS integer) AS n FROM webhook_deliveries WHERE webhook_id = ${webhookId}`)

const register = (body: unknown, token = admin) => t.request('/admin/webhooks', { method: 'POST', json: body, token })

describe('POST /admin/webhooks', () => {
  test('creates a webhook: 201 with Location, the shape, and a whsec_ secret of 24+ random bytes', async () => {
    const response = await register({ url: TARGET, events: ['order.created', 'product.low_stock'] })
    expect(response.status).toBe(201)
    const body = await json(response)
    expect(Object.keys(body).sort()).toEqual(['active', 'created_at', 'events', 'id', 'secret', 'url'])
    expect(body).toMatchObject({ url: TARGET, events: ['order.created', 'product.low_stock'], active: true })
    expect(body.created_at).toBe(t.clock.now().toISOString())
    expect(response.headers.get('location')).toBe(`/admin/webhooks/${body.id}`)
    expect(body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/)
    expect(Buffer.from(body.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24)
    const other = await json(await register({ url: TARGET, events: ['order.created'] }))
    expect(other.secret).not.toBe(body.secret)
  })

  test('shows the secret only once: GET and the list never carry it', async () => {
    const created = await json(await register({ url: TARGET, events: ['order.status_changed'] }))
    const one = await json(await t.request(`/admin/webhooks/${created.id}`, { token: admin }))
    expect(one).toEqual({ id: created.id, url: TARGET, events: ['order.status_changed'], active: true, created_at: created.created_at })
    const list = await t.request('/admin/webhooks?limit=100', { token: admin })
    const text = await list.text()
    expect(text).toContain(created.id)
    expect(text).not.toContain(created.secret)
    expect(text).not.toContain('secret')
  })

  test('stores the URL normalised', async () => {
    const normalised = await json(await register({ url: 'HTTPS://198.51.100.7:443/a/../b?x=1', events: ['order.created'] }))
    expect(normalised.url).toBe('https://198.51.100.7/b?x=1')
  })

  const invalid: [string, unknown][] = [
    ['a missing url', { events: ['order.created'] }],
    ['an empty url', { url: '', events: ['order.created'] }],
    ['a relative url', { url: '/hooks', events: ['order.created'] }],
    ['a non-http scheme', { url: 'ftp://198.51.100.7/x', events: ['order.created'] }],
    ['a javascript: url', { url: 'javascript:alert(1)', events: ['order.created'] }],
    ['a file: url', { url: 'file:///etc/passwd', events: ['order.created'] }],
    ['credentials in the url', { url: 'https://user:pass@198.51.100.7/x', events: ['order.created'] }],
    ['a username alone in the url', { url: 'https://user@198.51.100.7/x', events: ['order.created'] }],
    ['a url over 2048 characters', { url: `https://198.51.100.7/${'a'.repeat(2048)}`, events: ['order.created'] }],
    ['a url that is not a string', { url: 42, events: ['order.created'] }],
    ['missing events', { url: TARGET }],
    ['empty events', { url: TARGET, events: [] }],
    ['an unknown event', { url: TARGET, events: ['order.deleted'] }],
    ['a duplicated event', { url: TARGET, events: ['order.created', 'order.created'] }],
    ['events that are not a list', { url: TARGET, events: 'order.created' }],
    ['a loopback target', { url: 'http://127.0.0.1:3000/hook', events: ['order.created'] }],
    ['localhost', { url: 'http://localhost/hook', events: ['order.created'] }],
    ['a private target', { url: 'http://10.1.2.3/hook', events: ['order.created'] }],
    ['the cloud metadata address', { url: 'http://169.254.169.254/latest/meta-data/', events: ['order.created'] }],
    ['loopback in decimal', { url: 'http://2130706433/', events: ['order.created'] }],
    ['loopback in hex', { url: 'http://0x7f.1/', events: ['order.created'] }],
    ['IPv4-mapped IPv6 loopback', { url: 'http://[::ffff:127.0.0.1]/', events: ['order.created'] }],
    ['IPv4-translated IPv6 loopback', { url: 'http://[::ffff:0:7f00:1]/', events: ['order.created'] }],
    ['IPv4-translated IPv6 metadata address', { url: 'http://[::ffff:0:a9fe:a9fe]/', events: ['order.created'] }],
    ['NAT64 loopback', { url: 'http://[64:ff9b::7f00:1]/', events: ['order.created'] }],
    ['6to4 private', { url: 'http://[2002:c0a8:101::1]/', events: ['order.created'] }],
    ['IPv6 loopback', { url: 'http://[::1]/', events: ['order.created'] }],
  ]
  for (const [what, body] of invalid) {
    test(`refuses ${what} with 422 and creates nothing`, async () => {
      const before = await webhookCount()
      const problem = await expectProblem(await register(body), 422)
      expect(problem.errors?.length).toBeGreaterThan(0)
      expect(await webhookCount()).toBe(before)
    })
  }

  test('explains a refused private target', async () => {
    const problem = await expectProblem(await register({ url: 'http://192.168.1.10/hook', events: ['order.created'] }), 422)
    expect(problem.detail).toContain('192.168.1.10 is a private address')
    expect(problem.errors).toEqual([expect.objectContaining({ path: '/url' })])
  })

  test('a malformed body is 400', async () => {
    const response = await t.request('/admin/webhooks', {
      method: 'POST',
      body: '{"url":',
      headers: { 'content-type': 'application/json' },
      token: admin,
    })
    await expectProblem(response, 400)
  })

  test('is 401 without a token, whatever the body, and 403 for a user', async () => {
    const anonymous = await t.request('/admin/webhooks', { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } })
    await expectProblem(anonymous, 401)
    expect(anonymous.headers.get('www-authenticate')).toStartWith('Bearer')
    await expectProblem(await register({ url: TARGET, events: ['order.created'] }, user), 403)
  })

  test('accepts private targets when WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const open = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' })
    try {
      const token = (await createUser(open, { role: 'admin' })).token
      const response = await open.request('/admin/webhooks', { method: 'POST', token, json: { url: 'http://127.0.0.1:9/x', events: ['order.created'] } })
      expect(response.status).toBe(201)
    } finally {
      await open.close()
    }
  })
})

describe('GET /admin/webhooks', () => {
  test('pages through every webhook, newest first, with a stable cursor', async () => {
    const fresh = await createTestApp()
    try {
      const token = (await createUser(fresh, { role: 'admin' })).token
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        fresh.clock.advance(1000)
        const created = await json(await fresh.request('/admin/webhooks', { method: 'POST', token, json: { url: TARGET, events: ['order.created'] } }))
        ids.push(created.id)
      }
      const first = await json(await fresh.request('/admin/webhooks?limit=2', { token }))
      expect(first.items.map((w: { id: string }) => w.id)).toEqual([ids[4], ids[3]])
      // An insert between pages doesn't shift the next page.
      fresh.clock.advance(1000)
      await fresh.request('/admin/webhooks', { method: 'POST', token, json: { url: TARGET, events: ['order.created'] } })
      const second = await json(await fresh.request(`/admin/webhooks?limit=2&cursor=${first.next_cursor}`, { token }))
      expect(second.items.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]])
      const third = await json(await fresh.request(`/admin/webhooks?limit=2&cursor=${second.next_cursor}`, { token }))
      expect(third.items.map((w: { id: string }) => w.id)).toEqual([ids[0]])
      expect(third.next_cursor).toBeNull()
    } finally {
      await fresh.close()
    }
  })

  test('a bad cursor or limit is 422', async () => {
    await expectProblem(await t.request('/admin/webhooks?cursor=garbage!', { token: admin }), 422)
    await expectProblem(await t.request('/admin/webhooks?limit=0', { token: admin }), 422)
    await expectProblem(await t.request('/admin/webhooks?limit=101', { token: admin }), 422)
  })

  test('is 401 without a token and 403 for a user', async () => {
    await expectProblem(await t.request('/admin/webhooks'), 401)
    await expectProblem(await t.request('/admin/webhooks', { token: user }), 403)
  })
})

describe('GET /admin/webhooks/{id}', () => {
  test('an unknown id is 404', async () => {
    await expectProblem(await t.request('/admin/webhooks/0192f4c3-7b1e-7cc2-9a51-3f9f0b6a2d41', { token: admin }), 404)
  })
})

describe('DELETE /admin/webhooks/{id}', () => {
  test('deletes: 204, then 404, and its pending deliveries are gone', async () => {
    const created = await json(await register({ url: TARGET, events: ['order.created'] }))
    await outboxOf(t).record('order.created', { order_id: 'o-1' })
    const worker = t.services.webhookWorker
    await worker.dispatch()
    expect(await deliveryCount(created.id)).toBe(1)
    const deleted = await t.request(`/admin/webhooks/${created.id}`, { method: 'DELETE', token: admin })
    expect(deleted.status).toBe(204)
    expect(await deleted.text()).toBe('')
    await expectProblem(await t.request(`/admin/webhooks/${created.id}`, { token: admin }), 404)
    await expectProblem(await t.request(`/admin/webhooks/${created.id}/deliveries`, { token: admin }), 404)
    await expectProblem(await t.request(`/admin/webhooks/${created.id}`, { method: 'DELETE', token: admin }), 404)
    expect(await deliveryCount(created.id)).toBe(0)
  })

  test('is 401 without a token and 403 for a user', async () => {
    const created = await json(await register({ url: TARGET, events: ['order.created'] }))
    await expectProblem(await t.request(`/admin/webhooks/${created.id}`, { method: 'DELETE' }), 401)
    await expectProblem(await t.request(`/admin/webhooks/${created.id}`, { method: 'DELETE', token: user }), 403)
    expect((await t.request(`/admin/webhooks/${created.id}`, { token: admin })).status).toBe(200)
  })
})

describe('GET /admin/webhooks/{id}/deliveries', () => {
  test('pages through deliveries, newest first, with the contract fields', async () => {
    const created = await json(await register({ url: TARGET, events: ['order.created', 'order.status_changed'] }))
    const outbox = outboxOf(t)
    const worker = t.services.webhookWorker
    const events: string[] = []
    for (const type of ['order.created', 'order.status_changed', 'order.created'] as const) {
      t.clock.advance(1000)
      events.push(await outbox.record(type, { n: events.length }))
      await worker.dispatch()
    }
    const first = await json(await t.request(`/admin/webhooks/${created.id}/deliveries?limit=2`, { token: admin }))
    expect(first.items.map((d: { event_id: string }) => d.event_id)).toEqual([events[2], events[1]])
    expect(first.items[1]).toEqual({
      id: expect.any(String),
      event_id: events[1],
      event_type: 'order.status_changed',
      status: 'pending',
      attempts: 0,
      last_status_code: null,
      last_error: null,
      next_attempt_at: expect.any(String),
      delivered_at: null,
    })
    const second = await json(await t.request(`/admin/webhooks/${created.id}/deliveries?limit=2&cursor=${first.next_cursor}`, { token: admin }))
    expect(second.items.map((d: { event_id: string }) => d.event_id)).toEqual([events[0]])
    expect(second.next_cursor).toBeNull()
  })

  test('an unknown webhook is 404', async () => {
    await expectProblem(await t.request('/admin/webhooks/nope/deliveries', { token: admin }), 404)
  })

  test('is 401 without a token and 403 for a user', async () => {
    const created = await json(await register({ url: TARGET, events: ['order.created'] }))
    await expectProblem(await t.request(`/admin/webhooks/${created.id}/deliveries`), 401)
    await expectProblem(await t.request(`/admin/webhooks/${created.id}/deliveries`, { token: user }), 403)
  })
})
