import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { seedDataFolder } from '../e2e/data-folder.ts'
import { folderQuery, folderRow } from '../e2e/folder-database.ts'
import { startKiosk } from '../e2e/harness.ts'
import { onPostgres } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Nothing acknowledged is lost: concurrent order creation against the executable, `kill -9` at
 * a random moment, restart on the same folder, repeated. Every order that got a 201 must exist
 * with its lines, stock must equal the initial stock minus what the surviving orders took, and
 * the database must pass an integrity check. On PostgreSQL (the folder's own database) the same
 * holds: an order is acknowledged only once its transaction has committed on the server.
 */

const CYCLES = Number(process.env.CRASH_CYCLES ?? 10)
const INITIAL_STOCK = 100_000

describe('kill -9 during order creation', () => {
  test(`${CYCLES} crash cycles lose no acknowledged order and keep stock exact`, async () => {
    const seeded = await seedDataFolder({
      users: [{ role: 'user' }],
      products: [
        { sku: 'CRASH-A', stock: INITIAL_STOCK, priceCents: 150 },
        { sku: 'CRASH-B', stock: INITIAL_STOCK, priceCents: 275 },
      ],
    })
    const buyer = seeded.users[0]!
    const acknowledged = new Map<string, { quantityA: number; quantityB: number }>()

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
      const ready = await fetch(`${kiosk.url}/health/ready`)
      expect(ready.status).toBe(200)

      let stopped = false
      const buyers = Array.from({ length: 8 }, async () => {
        while (!stopped) {
          const quantityA = 1 + Math.floor(Math.random() * 3)
          const quantityB = Math.floor(Math.random() * 2)
          const items = [{ product_id: seeded.products[0]!.id, quantity: quantityA }]
          if (quantityB) items.push({ product_id: seeded.products[1]!.id, quantity: quantityB })
          try {
            const response = await fetch(`${kiosk.url}/orders`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${buyer.token}` },
              body: JSON.stringify({ items }),
            })
            if (response.status === 201) {
              const order = (await response.json()) as { id: string }
              acknowledged.set(order.id, { quantityA, quantityB })
            } else if (response.status >= 500) {
              throw new Error(`order creation answered ${response.status}: ${await response.text()}`)
            }
          } catch (error) {
            // The connection dies with the process; only an acknowledged (201) order counts.
            if (error instanceof Error && error.message.startsWith('order creation answered')) throw error
          }
        }
      })
      // Let orders flow for a random moment, then kill without warning.
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 350))
      kiosk.process.kill('SIGKILL')
      await kiosk.process.exited
      stopped = true
      await Promise.all(buyers)
    }
    expect(acknowledged.size).toBeGreaterThan(CYCLES)

    // Comes back ready once more and serves every acknowledged order with its lines.
    const kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
    for (const [id, taken] of acknowledged) {
      const response = await fetch(`${kiosk.url}/orders/${id}`, { headers: { authorization: `Bearer ${buyer.token}` } })
      expect(response.status).toBe(200)
      const order = (await response.json()) as { items: { quantity: number }[] }
      expect(order.items.length).toBe(taken.quantityB ? 2 : 1)
    }
    expect(await kiosk.stop()).toBe(0)

    if (!onPostgres) expect(await folderQuery(seeded.dir, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }])
    const stock = async (sku: string) => (await folderRow<{ stock: number }>(seeded.dir, 'SELECT stock FROM products WHERE sku = ?', [sku]))!.stock
    const taken = async (sku: string) =>
      (await folderRow<{ taken: number }>(
        seeded.dir,
        "SELECT CAST(coalesce(sum(quantity), 0) AS INTEGER) AS taken FROM order_items JOIN orders ON orders.id = order_items.order_id WHERE sku = ? AND orders.status != 'cancelled'",
        [sku],
      ))!.taken
    // Stock equals the initial stock minus what every surviving order took (acknowledged or not).
    expect(await stock('CRASH-A')).toBe(INITIAL_STOCK - (await taken('CRASH-A')))
    expect(await stock('CRASH-B')).toBe(INITIAL_STOCK - (await taken('CRASH-B')))
    // No half order: every order's total is the sum of its lines, and it has at least one.
    const torn = await folderQuery(
      seeded.dir,
      `SELECT orders.id FROM orders LEFT JOIN order_items ON order_items.order_id = orders.id
       GROUP BY orders.id, orders.total_cents HAVING count(order_items.order_id) = 0 OR orders.total_cents != sum(order_items.line_total_cents)`,
    )
    expect(torn).toEqual([])
    // And every acknowledged order survived.
    const surviving = new Set((await folderQuery<{ id: string }>(seeded.dir, 'SELECT id FROM orders')).map((row) => row.id))
    for (const id of acknowledged.keys()) expect(surviving.has(id)).toBe(true)
  }, 300_000)
})
