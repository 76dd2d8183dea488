import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createWebhookWorker } from '../../../src/jobs/webhook-worker.ts'
import { createWebhookService } from '../../../src/modules/webhooks/service.ts'
import { capturingLogger, createTestApp, createUser, expectProblem } from '../../helpers.ts'
import { cleanups, outboxOf, receiver, runCleanups } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* Webhook security events at warn: SSRF refusals (registration and delivery) and endpoints that start failing. */

afterEach(runCleanups)

async function setup(env: Record<string, string> = {}) {
  const log = capturingLogger()
  const t = await createTestApp(env, { logger: log.logger })
  cleanups.push(() => t.close())
  return { t, log, outbox: outboxOf(t) }
}

describe('ssrf_refused', () => {
  test('a refused registration is logged with its request id, the url and the reason', async () => {
    const { t, log } = await setup()
    const admin = await createUser(t, { role: 'admin' })
    const response = await t.request('/admin/webhooks', {
      method: 'POST',
      token: admin.token,
      headers: { 'x-request-id': 'hook-attempt' },
      json: { url: 'http://[::ffff:0:7f00:1]/', events: ['order.created'] },
    })
    await expectProblem(response, 422)
    expect(log.security('ssrf_refused')).toEqual([
      expect.objectContaining({
        level: 40,
        request_id: 'hook-attempt',
        url: 'http://[::ffff:0:7f00:1]/',
        reason: 'the host [::ffff:0:7f00:1] is an IPv4-translated loopback address',
      }),
    ])
  })

  test('a target that resolves to a private address at delivery time is logged', async () => {
    const { t, log, outbox } = await setup()
    const service = createWebhookService(t.services.stores.webhooks, t.ctx, { resolve: async () => ['93.184.215.14'] })
    const webhook = await service.create({ url: 'http://rebind.example.com/in', events: ['order.created'] })
    await outbox.record('order.created', { order_id: 'o-1' })
    await createWebhookWorker(t.services.stores.webhooks, t.ctx, { resolve: async () => ['10.0.0.7'] }).runOnce()
    expect(log.security('ssrf_refused')).toEqual([
      expect.objectContaining({
        level: 40,
        webhook_id: webhook.id,
        url: 'http://rebind.example.com/in',
        reason: 'the host rebind.example.com resolves to 10.0.0.7, a private address',
      }),
    ])
  })
})

describe('webhook_failing', () => {
  test('is logged when an endpoint starts failing, once per failing streak', async () => {
    const { t, log, outbox } = await setup({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_MAX_ATTEMPTS: '1' })
    const statuses = [200, 500, 503, 200, 404]
    const hook = receiver((_request, _received, count) => new Response(null, { status: statuses[count - 1] }))
    const service = createWebhookService(t.services.stores.webhooks, t.ctx)
    const webhook = await service.create({ url: hook.url, events: ['order.created'] })
    const worker = createWebhookWorker(t.services.stores.webhooks, t.ctx, { random: () => 0.5 })
    for (let i = 0; i < statuses.length; i++) {
      await outbox.record('order.created', { order_id: `o-${i}` })
      await worker.runOnce()
    }
    expect(hook.received).toHaveLength(5)
    expect(log.security('webhook_failing').map((line) => [line.level, line.webhook_id, line.status_code])).toEqual([
      [40, webhook.id, 500],
      [40, webhook.id, 404],
    ])
  })
})
