import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { createJwt } from '../../src/context.ts'
import { createOutbox } from '../../src/db/outbox.ts'
import { openPostgres } from '../../src/db/pg/client.ts'
import { createPgOutbox } from '../../src/db/pg/outbox.ts'
import type { EventType } from '../../src/db/schema.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { startReceiver } from '../modules/webhooks/receiver.ts'
import { seedDataFolder, type SeededUser } from './data-folder.ts'
import { folderQuery, folderRow } from './folder-database.ts'
import { databaseEnv, emptyFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const JWT_SECRET = 'e2e-webhooks-secret-at-least-32-bytes!!'

/**
 * Records events in the folder's database through the outbox, in one transaction, as a transaction
 * of the running service would (on PostgreSQL, the folder's own database); returns their ids.
 */
async function recordEvents(dir: string, events: [EventType, unknown][]): Promise<string[]> {
  const { DATABASE_URL } = await databaseEnv(dir)
  if (DATABASE_URL) {
    const database = openPostgres(DATABASE_URL, { max: 1 })
    const outbox = createPgOutbox(systemClock)
    try {
      return await database.sql.begin(async (tx) => {
        const recorded = events.map(([type, data]) => outbox.record(tx, type, data))
        await Promise.all(recorded.map((event) => event.written))
        return recorded.map((event) => event.id)
      })
    } finally {
      await database.close()
    }
  }
  const db = new Database(join(dir, 'data', 'kiosk.db'))
  try {
    db.exec('PRAGMA busy_timeout = 5000')
    const outbox = createOutbox(db, systemClock)
    return db.transaction(() => events.map(([type, data]) => outbox.record(type, data)))()
  } finally {
    db.close()
  }
}

describe('webhooks on the compiled executable', () => {
  const receiver = startReceiver()
  let kiosk: RunningKiosk | undefined
  afterAll(async () => {
    if (kiosk && kiosk.process.exitCode === null) await kiosk.stop()
    receiver.stop()
  })

  test('an event recorded in the database reaches a registered receiver, signed, and only the subscribed type', async () => {
    const dir = emptyFolder()
    expect((await runKiosk(['migrate'], { dir })).code).toBe(0)

    // An admin seeded straight into the data folder, and a token signed with the server's secret.
    const adminId = Bun.randomUUIDv7()
    const now = new Date().toISOString()
    await folderQuery(
      dir,
      "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'admin@example.com', 'Admin', ?, 'admin', TRUE, 0, ?, ?)",
      [adminId, await Bun.password.hash('unused password', { algorithm: 'argon2id', memoryCost: 4096, timeCost: 2 }), now, now],
    )
    const token = await createJwt(JWT_SECRET).sign({
      sub: adminId,
      role: 'admin',
      ver: 0,
      jti: Bun.randomUUIDv7(),
      exp: Math.floor(Date.now() / 1000) + 600,
    })

    kiosk = await startKiosk({ dir, env: { JWT_SECRET, WEBHOOK_ALLOW_PRIVATE: 'true' } })
    const registered = await fetch(`${kiosk.url}/admin/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['order.created'] }),
    })
    expect(registered.status).toBe(201)
    const webhook = (await registered.json()) as { id: string; secret: string }

    // Events written into the folder's database, as a transaction of the running service would.
    const [, eventId] = await recordEvents(dir, [
      ['product.low_stock', { product_id: 'p-1', stock: 1 }],
      ['order.created', { order_id: 'o-e2e', total_cents: 1999 }],
    ])

    await receiver.arrivals(1)
    const [request] = receiver.received
    expect(new Webhook(webhook.secret).verify(request!.body, request!.headers)).toMatchObject({
      id: eventId,
      type: 'order.created',
      data: { order_id: 'o-e2e', total_cents: 1999 },
    })

    // SIGTERM waits for the attempt in flight to be recorded before the database closes.
    expect(await kiosk.stop()).toBe(0)
    expect(receiver.received).toHaveLength(1)
    const rows = await folderQuery(dir, 'SELECT event_id, status, attempts, last_status_code FROM webhook_deliveries WHERE webhook_id = ?', [webhook.id])
    const undispatched = (await folderRow<{ n: number }>(dir, 'SELECT CAST(count(*) AS INTEGER) AS n FROM outbox WHERE dispatched_at IS NULL'))!
    expect(rows).toEqual([{ event_id: eventId, status: 'delivered', attempts: 1, last_status_code: 200 }])
    expect(undispatched.n).toBe(0)
  })
})

describe('an order placed over HTTP', () => {
  const receiver = startReceiver()
  let kiosk: RunningKiosk | undefined
  afterAll(async () => {
    if (kiosk && kiosk.process.exitCode === null) await kiosk.stop()
    receiver.stop()
  })

  test('reaches a receiver subscribed to order.created and order.status_changed, verifiably signed, in order', async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'HOOKED', stock: 50, priceCents: 700 }] })
    const [admin, buyer] = seeded.users as [SeededUser, SeededUser]
    kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, WEBHOOK_ALLOW_PRIVATE: 'true' } })
    const call = (path: string, token: string, body?: unknown, method = 'POST') =>
      fetch(`${kiosk!.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const registered = await call('/admin/webhooks', admin.token, { url: receiver.url, events: ['order.created', 'order.status_changed'] })
    expect(registered.status).toBe(201)
    const { secret } = (await registered.json()) as { secret: string }

    const placed = await call('/orders', buyer.token, { items: [{ product_id: seeded.products[0]!.id, quantity: 2 }] })
    expect(placed.status).toBe(201)
    const order = (await placed.json()) as { id: string }
    expect((await call(`/orders/${order.id}`, admin.token, { status: 'paid' }, 'PATCH')).status).toBe(200)

    await receiver.arrivals(2)
    const events = receiver.received.map((request) => new Webhook(secret).verify(request.body, request.headers) as { type: string; data: any })
    expect(events.map((e) => e.type).sort()).toEqual(['order.created', 'order.status_changed'])
    expect(events.find((e) => e.type === 'order.created')!.data).toMatchObject({ id: order.id, total_cents: 1400 })
    expect(events.find((e) => e.type === 'order.status_changed')!.data).toMatchObject({ order_id: order.id, from: 'pending', to: 'paid' })
    expect(await kiosk.stop()).toBe(0)
  })
})
