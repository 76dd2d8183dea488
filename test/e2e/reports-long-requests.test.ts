import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { connect } from 'node:net'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { onPostgres } from '../postgres.ts'
import { seedDataFolder } from './data-folder.ts'
import { folderQuery } from './folder-database.ts'
import { startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Long admin reports against the compiled executable (REQUEST_TIMEOUT=1s), asserting the order in
 * which things happen, never a timing:
 * - a large CSV export must not hold the event loop: between its bounded batches the server
 *   answers other requests (this process is a fast-reading client; in one process the client's
 *   own reads would pace the server);
 * - REQUEST_TIMEOUT closes a silent connection, but not an admin's export whose client pauses.
 */
const ORDERS = 60_000
let kiosk: RunningKiosk
let adminToken: string

beforeAll(async () => {
  const seeded = await seedDataFolder({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'CSV-LINE', stock: 1 }] })
  adminToken = seeded.users[0]!.token
  const product = seeded.products[0]!
  // The orders are a fixture written straight into the database before the server starts.
  if (onPostgres) {
    // One statement, so the orders and their lines commit together.
    await folderQuery(
      seeded.dir,
      `WITH placed AS (
         INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
         SELECT 'order-' || lpad(i::text, 6, '0'), ?, 'paid', 1000, 'USD', NULL, ?, ? FROM generate_series(1, ?) AS i
         RETURNING id)
       INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
       SELECT id, 0, ?, ?, ?, 1000, 1, 1000 FROM placed`,
      [seeded.users[1]!.id, '2026-05-10T00:00:00.000Z', '2026-05-10T00:00:00.000Z', ORDERS, product.id, product.sku, product.name],
    )
    // What autovacuum does soon after a bulk load: without statistics the planner guesses a few
    // thousand orders and hashes the lot per batch (measured: a 22 s export instead of 1.4 s).
    await folderQuery(seeded.dir, 'ANALYZE orders, order_items')
  } else {
    const database = openDatabase(join(seeded.dir, 'data', 'kiosk.db'))
    database.sqlite.transaction(() => {
      database.sqlite.run(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at)
         SELECT printf('order-%06d', i), ?2, 'paid', 1000, 'USD', NULL, ?3, ?3 FROM n`,
        [ORDERS, seeded.users[1]!.id, '2026-05-10T00:00:00.000Z'],
      )
      database.sqlite.run(
        `INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents)
         SELECT id, 0, ?1, ?2, ?3, 1000, 1, 1000 FROM orders`,
        [product.id, product.sku, product.name],
      )
    })()
    database.close()
  }
  kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, REQUEST_TIMEOUT: '1s' } })
}, 60_000)
afterAll(async () => {
  await kiosk?.stop()
})

/**
 * Resolves, naming itself, when the server closes a connection. `silent` sends nothing (Bun drops
 * such a connection after a fixed ~10 s, whatever idleTimeout says); `half-sent` sends a request
 * head and one byte of its declared body, so a request is in progress, which REQUEST_TIMEOUT bounds.
 */
const connection = (kind: 'silent' | 'half-sent') =>
  new Promise<string>((resolve, reject) => {
    const { hostname, port } = new URL(kiosk.url)
    const socket = connect(Number(port), hostname)
    socket.on('error', reject)
    socket.on('close', () => resolve(`${kind} closed`))
    if (kind === 'half-sent') {
      socket.write(`POST /auth/register HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`)
    }
  })

const countLineEnds = (bytes: Uint8Array) => bytes.reduce((n, byte) => n + (byte === 10 ? 1 : 0), 0)
const exportCsv = () =>
  fetch(`${kiosk.url}/admin/reports/orders.csv?from=2026-05-01&to=2026-05-31`, { headers: { authorization: `Bearer ${adminToken}` } })

describe('REQUEST_TIMEOUT', () => {
  test('closes a connection whose request stalls, sooner than Bun closes a silent one', async () => {
    const closed: string[] = []
    await Promise.all([connection('silent'), connection('half-sent')].map((c) => c.then((what) => closed.push(what))))
    expect(closed).toEqual(['half-sent closed', 'silent closed'])
  }, 60_000)

  test('does not cut an export whose client pauses longer than it', async () => {
    // A raw socket, so the pause is real: this client stops reading, the socket's buffers fill and
    // the server has nothing it may send.
    const { hostname, port } = new URL(kiosk.url)
    const socket = connect(Number(port), hostname)
    const received: Buffer[] = []
    const firstBytes = new Promise<void>((resolve) => socket.once('data', () => resolve()))
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => received.push(chunk))
    socket.write(
      `GET /admin/reports/orders.csv?from=2026-05-01&to=2026-05-31 HTTP/1.1\r\nHost: ${hostname}\r\n` +
        `Authorization: Bearer ${adminToken}\r\nConnection: close\r\n\r\n`,
    )
    await firstBytes
    socket.pause()
    // Paused while two stalled requests, one after the other, are closed by REQUEST_TIMEOUT.
    expect(await connection('half-sent')).toBe('half-sent closed')
    expect(await connection('half-sent')).toBe('half-sent closed')
    socket.resume()
    await closed
    const { status, body } = dechunk(Buffer.concat(received))
    expect(status).toBe(200)
    expect(countLineEnds(body)).toBe(1 + ORDERS)
  }, 60_000)
})

/** Status and body of a raw HTTP/1.1 response with a chunked body; throws if the last chunk is missing (a cut). */
function dechunk(raw: Buffer): { status: number; body: Buffer } {
  const headEnd = raw.indexOf('\r\n\r\n')
  const status = Number(raw.subarray(0, headEnd).toString('latin1').split(' ')[1])
  const parts: Buffer[] = []
  let at = headEnd + 4
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at)
    if (lineEnd < 0) throw new Error(`the body was cut after ${at} bytes`)
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16)
    if (size === 0) return { status, body: Buffer.concat(parts) }
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
    if (at > raw.length) throw new Error(`the body was cut inside a chunk`)
  }
}

describe('GET /admin/reports/orders.csv while other requests arrive', () => {
  test('a request sent once the export has begun is answered before the export ends', async () => {
    const completed: string[] = []
    const response = await exportCsv()
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)

    const health = fetch(`${kiosk.url}/health/live`).then((r) => completed.push(`health ${r.status}`))
    let lineEnds = countLineEnds(first.value!)
    for (let part = await reader.read(); !part.done; part = await reader.read()) lineEnds += countLineEnds(part.value)
    completed.push('export')
    await health
    expect(completed).toEqual(['health 200', 'export'])
    expect(lineEnds).toBe(1 + ORDERS)
  }, 60_000)
})
