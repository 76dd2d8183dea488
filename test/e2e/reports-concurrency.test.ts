import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { seedDataFolder } from './data-folder.ts'
import { startKiosk, type RunningKiosk } from './harness.ts'

/*
 * A large CSV export must not hold the event loop: between its bounded batches the server answers
 * other requests. Against the compiled executable, with this process as a fast-reading client
 * (in one process the client's own reads would pace the server); asserts the order in which
 * things complete, never a timing.
 */
const ORDERS = 60_000
let kiosk: RunningKiosk
let adminToken: string

beforeAll(async () => {
  const seeded = await seedDataFolder({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'CSV-LINE', stock: 1 }] })
  adminToken = seeded.users[0]!.token
  const product = seeded.products[0]!
  // The orders are a fixture written straight into the file before the server starts.
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
  kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
})
afterAll(async () => {
  await kiosk?.stop()
})

describe('GET /admin/reports/orders.csv while other requests arrive', () => {
  test('a request sent once the export has begun is answered before the export ends', async () => {
    const completed: string[] = []
    const response = await fetch(`${kiosk.url}/admin/reports/orders.csv?from=2026-05-01&to=2026-05-31`, {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(response.status).toBe(200)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)

    const health = fetch(`${kiosk.url}/health/live`).then((r) => completed.push(`health ${r.status}`))
    const countLineEnds = (bytes: Uint8Array) => bytes.reduce((n, byte) => n + (byte === 10 ? 1 : 0), 0)
    let lineEnds = countLineEnds(first.value!)
    for (let part = await reader.read(); !part.done; part = await reader.read()) lineEnds += countLineEnds(part.value)
    completed.push('export')
    await health
    expect(completed).toEqual(['health 200', 'export'])
    expect(lineEnds).toBe(1 + ORDERS)
  })
})
