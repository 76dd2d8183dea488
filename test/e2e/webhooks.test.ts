import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { Webhook } from 'standardwebhooks'
import { createJwt } from '../../src/context.ts'
import { createOutbox } from '../../src/db/outbox.ts'
import { systemClock } from '../../src/lib/clock.ts'
import { startReceiver } from '../modules/webhooks/receiver.ts'
import { seedDataFolder, type SeededUser } from './data-folder.ts'
import { emptyFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const JWT_SECRET = 'e2e-webhooks-secret-at-least-32-bytes!!'

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
    const databasePath = join(dir, 'data', 'kiosk.db')

    // An admin seeded straight into the data folder, and a token signed with the server's secret.
    const adminId = Bun.randomUUIDv7()
    const now = new Date().toISOString()
    const seed = new Database(databasePath)
    seed.run(
      "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, 'admin@example.com', 'Admin', ?, 'admin', 1, 0, ?, ?)",
      [adminId, await Bun.password.hash('unused password', { algorithm: 'argon2id', memoryCost: 4096, timeCost: 2 }), now, now],
    )
    seed.close()
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

    // Events written into the database file, as a transaction of the running service would.
    const db = new Database(databasePath)
    db.exec('PRAGMA busy_timeout = 5000')
    const outbox = createOutbox(db, systemClock)
    outbox.record('product.low_stock', { product_id: 'p-1', stock: 1 })
    const eventId = outbox.record('order.created', { order_id: 'o-e2e', total_cents: 1999 })
    db.close()

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
    const after = new Database(databasePath, { readonly: true })
    const rows = after.query('SELECT event_id, status, attempts, last_status_code FROM webhook_deliveries WHERE webhook_id = ?').all(webhook.id)
    const undispatched = after.query('SELECT count(*) AS n FROM outbox WHERE dispatched_at IS NULL').get() as { n: number }
    after.close()
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
