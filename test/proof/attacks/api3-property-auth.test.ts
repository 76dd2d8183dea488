import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API3: broken object property level authorization. Clients cannot set what a route does
// not name (mass assignment), and responses never carry secrets.
const live = useLive()

describe('mass assignment', () => {
  test('registration ignores role, id and active', async () => {
    const response = await live.call('/auth/register', {
      method: 'POST',
      json: { email: 'mallory@e2e.test', password: 'long enough password', name: 'Mallory', role: 'admin', id: 'mine', active: false },
    })
    expect(response.status).toBe(201)
    const user = (await response.json()) as Record<string, unknown>
    expect(user.role).toBe('user')
    expect(user.id).not.toBe('mine')
    expect(user.active).toBe(true)
  })

  test('PATCH /users/me ignores role and active', async () => {
    const response = await live.call('/users/me', { method: 'PATCH', token: live.bob.token, json: { name: 'Bob B', role: 'admin', active: false } })
    expect(response.status).toBe(200)
    const me = (await response.json()) as Record<string, unknown>
    expect(me).toMatchObject({ name: 'Bob B', role: 'user', active: true })
  })

  test('an order takes prices from the catalog, not the client', async () => {
    const product = live.products[0]!
    const response = await live.call('/orders', {
      method: 'POST',
      token: live.alice.token,
      json: { items: [{ product_id: product.id, quantity: 2, unit_price_cents: 1, price_cents: 1 }], total_cents: 1, status: 'delivered', user_id: live.bob.id },
    })
    expect(response.status).toBe(201)
    const order = (await response.json()) as Record<string, any>
    expect(order.items[0].unit_price_cents).toBe(product.priceCents)
    expect(order.total_cents).toBe(2 * product.priceCents)
    expect(order.status).toBe('pending')
    expect(order.user_id).toBe(live.alice.id)
  })

  test('a product update ignores id and created_at', async () => {
    const product = live.products[1]!
    const response = await live.call(`/products/${product.id}`, {
      method: 'PATCH',
      token: live.admin.token,
      json: { name: 'Renamed', id: 'forged', created_at: '2000-01-01T00:00:00.000Z' },
    })
    expect(response.status).toBe(200)
    const updated = (await response.json()) as Record<string, unknown>
    expect(updated).toMatchObject({ id: product.id, name: 'Renamed', created_at: product.createdAt })
  })
})

describe('responses never leak secrets', () => {
  test('no password hash in any user representation', async () => {
    const bodies = await Promise.all([
      live.call('/users/me', { token: live.alice.token }).then((r) => r.text()),
      live.call('/users?limit=100', { token: live.admin.token }).then((r) => r.text()),
      live.call(`/users/${live.alice.id}`, { token: live.admin.token }).then((r) => r.text()),
    ])
    for (const body of bodies) {
      expect(body).not.toMatch(/password|\$argon2/i)
    }
  })

  test('a webhook secret is shown once, at creation, and never listed', async () => {
    const created = await live.call('/admin/webhooks', {
      method: 'POST',
      token: live.admin.token,
      json: { url: 'https://hooks.example.com/kiosk', events: ['order.created'] },
    })
    // The SSRF guard may refuse an unresolvable host; what matters is that no listing shows a secret.
    if (created.status === 201) expect(((await created.json()) as { secret: string }).secret).toStartWith('whsec_')
    const list = await (await live.call('/admin/webhooks', { token: live.admin.token })).text()
    expect(list).not.toContain('whsec_')
  })
})
