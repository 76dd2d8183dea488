import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import type { Env } from '../../../src/config.ts'
import type { EventType } from '../../../src/db/schema.ts'
import { createWebhookWorker, type WebhookWorkerOptions } from '../../../src/jobs/webhook-worker.ts'
import { accessTokenFor, createTestApp, createUser, json, onPostgres, type TestApp } from '../../helpers.ts'
import { createTestDatabase } from '../../postgres.ts'
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

/**
 * Records outbox events as a committed change does (src/db/outbox.ts's row contract: UUIDv7 id,
 * JSON payload, created_at by the app's clock), on either dialect; returns the event id.
 */
export function outboxOf(t: TestApp) {
  return {
    async record(type: EventType, data: unknown): Promise<string> {
      const id = Bun.randomUUIDv7()
      const at = t.clock.now().toISOString()
      await t.sql(sql`INSERT INTO outbox (id, type, payload, created_at) VALUES (${id}, ${type}, ${JSON.stringify(data)}, ${at})`)
      return id
    },
  }
}

/** Where an app's data lives: its folder, and on PostgreSQL its database. A restart reuses both. */
export interface DataPlace {
  dir: string
  databaseUrl?: string
}

async function newDataPlace(): Promise<DataPlace> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-webhooks-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  if (!onPostgres) return { dir }
  const database = await createTestDatabase()
  cleanups.push(() => database.drop())
  return { dir, databaseUrl: database.url }
}

/** A test app with a worker; `data` restarts on an earlier app's data (or runs a second process on it). */
export async function setup(env: Env = {}, options: WebhookWorkerOptions & { data?: DataPlace } = {}) {
  const { data: reused, ...workerOptions } = options
  const data = reused ?? (await newDataPlace())
  const t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true', ...env }, data)
  let running = true
  cleanups.push(() => running && t.close())
  const adminUser = await createUser(t, { role: 'admin' })
  const admin = adminUser.token
  const outbox = outboxOf(t)
  // random() = 0.5: each backoff is half its exponential ceiling (2.5 s, 5 s, 10 s, ...).
  const worker = createWebhookWorker(t.services.stores.webhooks, t.ctx, { random: () => 0.5, ...workerOptions })
  return {
    t,
    data,
    admin,
    outbox,
    worker,
    /** The process ends (its database connection closes); its data stays for the next one. */
    async exit() {
      running = false
      await t.services.coherence.close()
      await t.ctx.close()
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

