import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Webhook } from 'standardwebhooks'
import { cleanups, runCleanups, later, receiver, setup } from './fixtures.ts'
import { gate, startHangUpServer, startReceiver } from './receiver.ts'
import { sql } from 'drizzle-orm'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

describe('webhook delivery', () => {
  test('POSTs {id, type, created_at, data} signed per Standard Webhooks, verified by the standardwebhooks package', async () => {
    const s = await setup()
    const hook = receiver()
    const webhook = await s.register(hook.url)
    const eventId = await s.outbox.record('order.created', { order_id: 'o-1', total_cents: 4200 })
    await s.worker.runOnce()

    expect(hook.received).toHaveLength(1)
    const [request] = hook.received
    expect(request!.headers['content-type']).toBe('application/json')
    expect(request!.headers['webhook-id']).toBe(eventId)
    expect(request!.headers['webhook-timestamp']).toBe(String(Math.floor(s.t.clock.now().getTime() / 1000)))
    expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    const verified = new Webhook(webhook.secret).verify(request!.body, request!.headers)
    expect(verified).toEqual({
      id: eventId,
      type: 'order.created',
      created_at: s.t.clock.now().toISOString(),
      data: { order_id: 'o-1', total_cents: 4200 },
    })
    // A wrong secret does not verify.
    const stranger = new Webhook(`whsec_${Buffer.from('another secret of 24 bytes!').toString('base64')}`)
    expect(() => stranger.verify(request!.body, request!.headers)).toThrow()

    expect(await s.deliveries(webhook.id)).toEqual([
      {
        id: expect.any(String),
        event_id: eventId,
        event_type: 'order.created',
        status: 'delivered',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
        delivered_at: s.t.clock.now().toISOString(),
      },
    ])
    const counted = await s.t.ctx.metrics.webhookDeliveries.get()
    expect(counted.values).toEqual([expect.objectContaining({ labels: { outcome: 'delivered' }, value: 1 })])
  })

  test('delivers exactly the subscribed events, once each', async () => {
    const s = await setup()
    const orders = receiver()
    const stock = receiver()
    const ordersHook = await s.register(orders.url, ['order.created'])
    const stockHook = await s.register(stock.url, ['order.status_changed', 'product.low_stock'])
    const created = await s.outbox.record('order.created', { order_id: 'o-1' })
    const changed = await s.outbox.record('order.status_changed', { order_id: 'o-1', from: 'pending', to: 'paid' })
    const low = await s.outbox.record('product.low_stock', { product_id: 'p-1', stock: 2 })
    await s.worker.runOnce()
    await s.worker.runOnce()

    expect(orders.received.map((r) => r.headers['webhook-id'])).toEqual([created])
    expect(stock.received.map((r) => r.headers['webhook-id']).sort()).toEqual([changed, low].sort())
    expect(stock.received.map((r) => JSON.parse(r.body).type).sort()).toEqual(['order.status_changed', 'product.low_stock'])
    expect((await s.deliveries(ordersHook.id)).map((d) => d.status)).toEqual(['delivered'])
    expect((await s.deliveries(stockHook.id)).map((d) => d.status)).toEqual(['delivered', 'delivered'])
  })

  test('does not replay events recorded before the webhook existed', async () => {
    const s = await setup()
    const hook = receiver()
    await s.outbox.record('order.created', { order_id: 'before' })
    s.t.clock.advance(1000)
    await s.register(hook.url)
    const after = await s.outbox.record('order.created', { order_id: 'after' })
    await s.worker.runOnce()
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([after])
  })

  test('marks every event dispatched, even with no subscriber', async () => {
    const s = await setup()
    await s.outbox.record('product.low_stock', { product_id: 'p' })
    await s.worker.runOnce()
    const [row] = await s.t.sql<{ dispatched_at: string | null }>(sql`SELECT dispatched_at FROM outbox`)
    expect(row!.dispatched_at).toBe(s.t.clock.now().toISOString())
  })
})

describe('webhook retries', () => {
  test('retries a receiver that fails the first attempts, with growing backoff, until it succeeds', async () => {
    const s = await setup()
    const hook = receiver((_request, _received, count) => (count <= 2 ? new Response('busy', { status: 503 }) : new Response('ok')))
    const webhook = await s.register(hook.url)
    const eventId = await s.outbox.record('order.created', { order_id: 'o-1' })

    await s.worker.runOnce()
    let [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 503, last_error: 'HTTP 503: busy' })
    const firstDelay = Date.parse(delivery!.next_attempt_at!) - s.t.clock.now().getTime()
    expect(firstDelay).toBe(2_500)

    // Not due yet: nothing is sent.
    s.t.clock.advance(firstDelay - 1)
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(1)

    s.t.clock.advance(1)
    await s.worker.runOnce()
    ;[delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 2, last_status_code: 503 })
    const secondDelay = Date.parse(delivery!.next_attempt_at!) - s.t.clock.now().getTime()
    expect(secondDelay).toBe(5_000)
    expect(secondDelay).toBeGreaterThan(firstDelay)

    s.t.clock.advance(secondDelay)
    await s.worker.runOnce()
    ;[delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 3,
      last_status_code: 200,
      last_error: null,
      next_attempt_at: null,
      delivered_at: s.t.clock.now().toISOString(),
    })
    // Every attempt carries the same event id, so the receiver can de-duplicate.
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId, eventId])
    const counted = Object.fromEntries((await s.t.ctx.metrics.webhookDeliveries.get()).values.map((v) => [v.labels.outcome, v.value]))
    expect(counted).toEqual({ retry: 2, delivered: 1 })
  })

  test('retries 408, 429 and 5xx', async () => {
    const s = await setup()
    for (const status of [408, 429, 500, 502, 504]) {
      const hook = receiver(() => new Response(null, { status }))
      const webhook = await s.register(hook.url)
      await s.outbox.record('order.created', { status })
      await s.worker.runOnce()
      expect((await s.deliveries(webhook.id))[0]).toMatchObject({ status: 'pending', attempts: 1, last_status_code: status })
      await s.t.request(`/admin/webhooks/${webhook.id}`, { method: 'DELETE', token: s.admin })
    }
  })

  test('retries a receiver slower than WEBHOOK_TIMEOUT_MS, recording the timeout', async () => {
    const s = await setup({ WEBHOOK_TIMEOUT_MS: '200' })
    const held = gate()
    cleanups.unshift(() => held.open())
    const hook = receiver(async () => {
      await held.opened
      return new Response('too late')
    })
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(1)
    expect((await s.deliveries(webhook.id))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_status_code: null,
      last_error: 'timed out after 200 ms',
    })
  })

  test('retries a receiver that closes the connection without answering', async () => {
    const s = await setup()
    const hangUp = startHangUpServer()
    cleanups.push(() => hangUp.stop())
    const webhook = await s.register(hangUp.url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    await s.worker.runOnce()
    expect(hangUp.connections()).toBeGreaterThanOrEqual(1)
    const [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null })
    expect(delivery!.last_error).toStartWith('network error:')
  })

  test('retries a receiver that is not listening at all', async () => {
    const s = await setup()
    const gone = startReceiver()
    const url = gone.url
    gone.stop()
    const webhook = await s.register(url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    await s.worker.runOnce()
    const [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null })
    expect(delivery!.last_error).toStartWith('network error:')
  })

  test('fails a 4xx at once, with the answer in last_error', async () => {
    const s = await setup()
    const hook = receiver(() => new Response('{"error":"unknown event"}', { status: 400 }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    await s.worker.runOnce()
    s.t.clock.advance(24 * 3_600_000)
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(1)
    expect((await s.deliveries(webhook.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status_code: 400,
      last_error: 'HTTP 400: {"error":"unknown event"}',
      next_attempt_at: null,
      delivered_at: null,
    })
  })

  test('does not follow a redirect: a 3xx fails', async () => {
    const s = await setup()
    const hook = receiver((request) =>
      new URL(request.url).pathname === '/hook' ? Response.redirect('/elsewhere', 307) : new Response('ok'),
    )
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    await s.worker.runOnce()
    expect(hook.received.map((r) => r.path)).toEqual(['/hook'])
    const [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 307 })
    expect(delivery!.last_error).toBe('HTTP 307: redirects are not followed (Location: /elsewhere)')
  })

  test('after WEBHOOK_MAX_ATTEMPTS the delivery is failed, its last error in the deliveries list', async () => {
    const s = await setup({ WEBHOOK_MAX_ATTEMPTS: '3' })
    const hook = receiver(() => new Response('database is down', { status: 500 }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', { order_id: 'o-1' })
    for (let i = 0; i < 5; i++) {
      await s.worker.runOnce()
      s.t.clock.advance(3_600_000)
    }
    expect(hook.received).toHaveLength(3)
    expect((await s.deliveries(webhook.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_status_code: 500,
      last_error: 'HTTP 500: database is down',
      next_attempt_at: null,
    })
  })

  test('truncates a long error to 500 characters', async () => {
    const s = await setup()
    const hook = receiver(() => new Response('x'.repeat(10_000), { status: 422 }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    const [delivery] = await s.deliveries(webhook.id)
    expect([...delivery!.last_error!].length).toBeLessThanOrEqual(500)
    expect(delivery!.last_error).toStartWith('HTTP 422: xxx')
  })

  test('waits as long as Retry-After (seconds) asks when that is longer than the backoff', async () => {
    const s = await setup()
    const hook = receiver(() => new Response(null, { status: 429, headers: { 'retry-after': '120' } }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    expect((await s.deliveries(webhook.id))[0]!.next_attempt_at).toBe(later(s.t, 120_000))
  })

  test('waits until a Retry-After HTTP-date', async () => {
    const s = await setup()
    const retryAt = new Date(Math.ceil((s.t.clock.now().getTime() + 600_000) / 1000) * 1000)
    const hook = receiver(() => new Response(null, { status: 503, headers: { 'retry-after': retryAt.toUTCString() } }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    expect((await s.deliveries(webhook.id))[0]!.next_attempt_at).toBe(retryAt.toISOString())
  })

  test('keeps the backoff when Retry-After is shorter', async () => {
    const s = await setup()
    const hook = receiver(() => new Response(null, { status: 503, headers: { 'retry-after': '0' } }))
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    expect((await s.deliveries(webhook.id))[0]!.next_attempt_at).toBe(later(s.t, 2_500))
  })
})
