import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createWebhookService } from '../../src/modules/webhooks/service.ts'
import { cleanups, runCleanups, receiver, setup } from '../modules/webhooks/fixtures.ts'
import { gate } from '../modules/webhooks/receiver.ts'
import { sql } from 'drizzle-orm'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

describe('webhook delivery across a restart', () => {
  test('a delivery in the middle of its retries continues after a restart', async () => {
    const env = { WEBHOOK_MAX_ATTEMPTS: '5' }
    const first = await setup(env)
    const hook = receiver((_request, _received, count) => (count === 1 ? new Response(null, { status: 502 }) : new Response('ok')))
    const webhook = await first.register(hook.url)
    const eventId = await first.outbox.record('order.created', { order_id: 'o-1' })
    await first.worker.runOnce()
    const [pending] = await first.deliveries(webhook.id)
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 })
    const data = first.data
    await first.exit()

    const second = await setup(env, { data })
    second.t.clock.set(pending!.next_attempt_at!)
    await second.worker.runOnce()
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId])
    expect((await second.deliveries(webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200 })
  })

  test('a delivery whose process died mid-attempt is taken over once its lease expires', async () => {
    const held = gate()
    cleanups.unshift(() => held.open())
    const hook = receiver(async (_request, _received, count) => {
      if (count === 1) await held.opened
      return new Response('ok')
    })
    const first = await setup()
    const webhook = await first.register(hook.url)
    await first.outbox.record('order.created', { order_id: 'o-1' })
    // The first process claims the delivery and its attempt hangs; then the process "dies".
    const abandoned = first.worker.runOnce()
    await hook.arrivals(1)
    const [claimed] = await first.deliveries(webhook.id)
    expect(claimed).toMatchObject({ status: 'delivering', attempts: 1 })
    const data = first.data
    await first.exit()

    const second = await setup({}, { data })
    second.t.clock.set(first.t.clock.now())
    await second.worker.runOnce()
    expect(hook.received).toHaveLength(1) // the lease still holds: no second sender
    second.t.clock.advance(second.t.ctx.config.WEBHOOK_TIMEOUT_MS + 60_000)
    await second.worker.runOnce()
    expect(hook.received).toHaveLength(2)
    expect((await second.deliveries(webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200 })

    // The dead process's attempt, let go at last, lands on its closed database and changes nothing.
    held.open()
    await abandoned.catch(() => {})
    expect((await second.deliveries(webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 2 })
  })

  test('an interrupted last attempt fails the delivery', async () => {
    const s = await setup({ WEBHOOK_MAX_ATTEMPTS: '1' })
    const hook = receiver()
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.dispatch()
    // What a process leaves behind when it dies during the only attempt it had.
    await s.t.sql(sql`UPDATE webhook_deliveries SET status = 'delivering', attempts = 1, lease_until = ${s.t.clock.now().toISOString()}`)
    s.t.clock.advance(1)
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(0)
    const [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null })
    expect(delivery!.last_error).toContain('interrupted')
  })
})

describe('webhook worker', () => {
  test('keeps at most WEBHOOK_CONCURRENCY attempts in flight, and the API answers meanwhile', async () => {
    const s = await setup({ WEBHOOK_CONCURRENCY: '2' })
    const held = gate()
    cleanups.unshift(() => held.open())
    const hook = receiver(async () => {
      await held.opened
      return new Response('ok')
    })
    const webhook = await s.register(hook.url)
    for (let i = 0; i < 5; i++) await s.outbox.record('order.created', { i })
    const running = s.worker.runOnce()
    await hook.arrivals(2)
    expect(s.worker.inFlight).toBe(2)
    const statuses = (await s.deliveries(webhook.id)).map((d) => d.status).sort()
    expect(statuses).toEqual(['delivering', 'delivering', 'pending', 'pending', 'pending'])
    // Delivery is off the request path: a held receiver slows no request.
    expect((await s.t.request('/admin/webhooks', { token: s.admin })).status).toBe(200)
    held.open()
    await running
    expect(hook.received).toHaveLength(5)
    expect((await s.deliveries(webhook.id)).every((d) => d.status === 'delivered')).toBe(true)
  })

  test('start() delivers in the background and stop() waits for the attempt in flight', async () => {
    const s = await setup()
    const held = gate()
    cleanups.unshift(() => held.open())
    const hook = receiver(async () => {
      await held.opened
      return new Response('ok')
    })
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    s.worker.start()
    cleanups.unshift(() => s.worker.stop())
    await hook.arrivals(1)
    let stopped = false
    const stopping = s.worker.stop().then(() => (stopped = true))
    await Promise.resolve()
    expect(stopped).toBe(false)
    held.open()
    await stopping
    expect((await s.deliveries(webhook.id))[0]).toMatchObject({ status: 'delivered', attempts: 1 })
  })

  test('stops sending to a deleted webhook', async () => {
    const s = await setup()
    const hook = receiver()
    const webhook = await s.register(hook.url)
    await s.outbox.record('order.created', {})
    await s.worker.dispatch()
    expect(await s.deliveries(webhook.id)).toHaveLength(1)
    expect((await s.t.request(`/admin/webhooks/${webhook.id}`, { method: 'DELETE', token: s.admin })).status).toBe(204)
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(0)
  })

  test('refuses at delivery a host that now resolves to a private address, sending nothing', async () => {
    // Private targets are not allowed here; the name resolved to a public address at registration.
    const s = await setup({ WEBHOOK_ALLOW_PRIVATE: 'false' }, { resolve: async () => ['127.0.0.1'] })
    const hook = receiver()
    const service = createWebhookService(s.t.services.stores.webhooks, s.t.ctx, { resolve: async () => ['198.51.100.7'] })
    const webhook = await service.create({ url: `http://hooks.example.test:${hook.port}/hook`, events: ['order.created'] })
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    expect(hook.received).toHaveLength(0)
    const [delivery] = await s.deliveries(webhook.id)
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_status_code: null })
    expect(delivery!.last_error).toBe(
      'target refused, no request sent: the host hooks.example.test resolves to 127.0.0.1, a loopback address',
    )
  })

  test('retries when the target name does not resolve', async () => {
    const s = await setup({ WEBHOOK_ALLOW_PRIVATE: 'false' }, {
      resolve: async (host) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
      },
    })
    const service = createWebhookService(s.t.services.stores.webhooks, s.t.ctx, { resolve: async () => ['198.51.100.7'] })
    const webhook = await service.create({ url: 'https://hooks.example.test/hook', events: ['order.created'] })
    await s.outbox.record('order.created', {})
    await s.worker.runOnce()
    expect((await s.deliveries(webhook.id))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'DNS lookup failed: ENOTFOUND: getaddrinfo ENOTFOUND hooks.example.test',
    })
  })
})

describe('webhook workers of two processes on one database', () => {
  test('claims never overlap: every delivery is sent exactly once', async () => {
    const first = await setup()
    const second = await setup({}, { data: first.data })
    second.t.clock.set(first.t.clock.now())
    const hook = receiver()
    await first.register(hook.url)
    const events: string[] = []
    for (let i = 0; i < 40; i++) events.push(await first.outbox.record('order.created', { order_id: `o-${i}` }))
    await Promise.all([first.worker.runOnce(), second.worker.runOnce(), first.worker.runOnce(), second.worker.runOnce()])
    const ids = hook.received.map((r) => r.headers['webhook-id'])
    expect(ids.toSorted()).toEqual(events.toSorted())
  })

  test('dispatching at once in both, each event is fanned out once: one delivery per event, every event marked', async () => {
    const first = await setup()
    const second = await setup({}, { data: first.data })
    second.t.clock.set(first.t.clock.now())
    await first.register(receiver().url)
    // More than one dispatch batch (500 events), so the two interleave batch by batch.
    const events = 700
    for (let i = 0; i < events; i++) await first.outbox.record('order.created', { order_id: `o-${i}` })
    const handled = await Promise.all([first.worker.dispatch(), second.worker.dispatch(), first.worker.dispatch(), second.worker.dispatch()])
    expect(handled.reduce((sum, n) => sum + n, 0)).toBe(events)
    const [fanned] = await first.t.sql<{ deliveries: number; events: number }>(
      sql`SELECT CAST(count(*) AS integer) AS deliveries, CAST(count(DISTINCT event_id) AS integer) AS events FROM webhook_deliveries`,
    )
    expect(fanned).toEqual({ deliveries: events, events })
    const [left] = await first.t.sql<{ n: number }>(sql`SELECT CAST(count(*) AS integer) AS n FROM outbox WHERE dispatched_at IS NULL`)
    expect(left!.n).toBe(0)
  })
})
