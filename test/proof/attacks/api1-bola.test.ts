import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API1: broken object level authorization. Another user's objects are invisible (404), never 403.
const live = useLive()

const placeOrder = async (token: string, productId: string) => {
  const response = await live.call('/orders', { method: 'POST', token, json: { items: [{ product_id: productId, quantity: 1 }] } })
  expect(response.status).toBe(201)
  return (await response.json()) as { id: string; user_id: string }
}

describe("another user's order", () => {
  test('cannot be read, cancelled or listed', async () => {
    const order = await placeOrder(live.alice.token, live.products[0]!.id)
    await problem(await live.call(`/orders/${order.id}`, { token: live.bob.token }), 404)
    await problem(await live.call(`/orders/${order.id}/cancel`, { method: 'POST', token: live.bob.token }), 404)
    const list = (await (await live.call('/orders?limit=100', { token: live.bob.token })).json()) as { items: { id: string }[] }
    expect(list.items.map((o) => o.id)).not.toContain(order.id)
    // Still pending: bob's cancel changed nothing.
    const mine = (await (await live.call(`/orders/${order.id}`, { token: live.alice.token })).json()) as { status: string }
    expect(mine.status).toBe('pending')
  })

  test("a user cannot widen their list to someone else's orders with user_id", async () => {
    const order = await placeOrder(live.alice.token, live.products[0]!.id)
    const response = await live.call(`/orders?user_id=${live.alice.id}`, { token: live.bob.token })
    if (response.status === 200) {
      const list = (await response.json()) as { items: { id: string; user_id: string }[] }
      expect(list.items.map((o) => o.id)).not.toContain(order.id)
      for (const item of list.items) expect(item.user_id).toBe(live.bob.id)
    } else {
      await problem(response, 403)
    }
  })

  test('status changes are admin-only', async () => {
    const order = await placeOrder(live.alice.token, live.products[0]!.id)
    await problem(await live.call(`/orders/${order.id}`, { method: 'PATCH', token: live.alice.token, json: { status: 'paid' } }), 403)
  })
})

describe("another user's account", () => {
  test('is not reachable through /users/{id} by a non-admin', async () => {
    await problem(await live.call(`/users/${live.alice.id}`, { token: live.bob.token }), 403)
    await problem(await live.call(`/users/${live.alice.id}`, { method: 'PATCH', token: live.bob.token, json: { name: 'pwned' } }), 403)
    await problem(await live.call(`/users/${live.alice.id}`, { method: 'DELETE', token: live.bob.token }), 403)
    const me = (await (await live.call('/users/me', { token: live.alice.token })).json()) as { name: string; active: boolean }
    expect(me.name).not.toBe('pwned')
    expect(me.active).toBe(true)
  })
})
