import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Env } from '../../../src/config.ts'
import type { EventType } from '../../../src/db/schema.ts'
import { createOutbox } from '../../../src/db/outbox.ts'
import { createWebhookWorker, type WebhookWorkerOptions } from '../../../src/jobs/webhook-worker.ts'
import { accessTokenFor, createTestApp, createUser, json, type TestApp, sqliteOf } from '../../helpers.ts'
import { startReceiver } from './receiver.ts'

/*
 * Worker tests run against real receivers on 127.0.0.1 (so WEBHOOK_ALLOW_PRIVATE=true), driven by
 * runOnce() and the manual clock: retries become due when the test moves time, never by sleeping.
 */

/** Undone after each test, last first: each test file runs `afterEach(runCleanups)`. */
export const cleanups: (() => unknown)[] = []
export async function runCleanups() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/** A test app with a worker; `dir` restarts on an earlier app's data folder. */
export async function setup(env: Env = {}, options: WebhookWorkerOptions & { dir?: string } = {}) {
  const { dir: reused, ...workerOptions } = options
  const dir = reused ?? mkdtempSync(join(tmpdir(), 'kiosk-webhooks-'))
  if (!reused) cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', ...env }, { dir })
  let running = true
  cleanups.push(() => running && t.close())
  const adminUser = await createUser(t, { role: 'admin' })
  const admin = adminUser.token
  const outbox = createOutbox(sqliteOf(t), t.clock)
  // random() = 0.5: each backoff is half its exponential ceiling (2.5 s, 5 s, 10 s, ...).
  const worker = createWebhookWorker(t.services.stores.webhooks, t.ctx, { random: () => 0.5, ...workerOptions })
  return {
    t,
    admin,
    outbox,
    worker,
    /** The process ends (its database closes); the data folder stays for the next one. */
    exit() {
      running = false
      t.ctx.close()
    },
    async register(url: string, events: EventType[] = ['order.created']): Promise<{ id: string; secret: string }> {
      const response = await t.request('/admin/webhooks', { method: 'POST', token: admin, json: { url, events } })
      if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`)
      return json(response)
    },
    async deliveries(webhookId: string) {
      // A fresh token: tests move the clock by hours.
      const token = await accessTokenFor(t, adminUser)
      const response = await t.request(`/admin/webhooks/${webhookId}/deliveries?limit=100`, { token })
      if (response.status !== 200) throw new Error(`deliveries: ${response.status} ${await response.text()}`)
      return (await json(response)).items as {
        id: string
        event_id: string
        event_type: string
        status: string
        attempts: number
        last_status_code: number | null
        last_error: string | null
        next_attempt_at: string | null
        delivered_at: string | null
      }[]
    },
  }
}

export const later = (t: TestApp, ms: number) => new Date(t.clock.now().getTime() + ms).toISOString()

export function receiver(respond?: Parameters<typeof startReceiver>[0]) {
  const server = startReceiver(respond)
  cleanups.push(() => server.stop())
  return server
}

