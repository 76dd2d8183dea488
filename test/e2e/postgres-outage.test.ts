import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { onPostgres } from '../postgres.ts'
import { seedDataFolder } from './data-folder.ts'
import { folderQuery } from './folder-database.ts'
import { databaseEnv, startKiosk, type RunningKiosk } from './harness.ts'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The executable while its PostgreSQL server can't be reached: a TCP proxy between the two is cut
 * (every connection dropped, new ones refused) and restored. Meanwhile a read that needs the
 * database is a 503 problem with Retry-After, and readiness a 503, each in bounded time (never a
 * 500, never a hang); once the server is back the same process answers 200 again by itself, and
 * follows other processes' changes again (its LISTEN connection is back).
 */

/**
 * Longest a request may take while the database is away: readiness gives up after 2 s, a query as
 * soon as connecting is refused (measured: tens of ms). The bound leaves room for a busy machine.
 */
const ANSWER_WITHIN_MS = 8_000

describe.skipIf(!onPostgres)('PostgreSQL unreachable, then back', () => {
  let kiosk: RunningKiosk
  let proxy: TcpProxy
  let seeded: Awaited<ReturnType<typeof seedDataFolder>>

  beforeAll(async () => {
    seeded = await seedDataFolder({
      products: [
        { sku: 'OUT-READ', priceCents: 1000, stock: 5 },
        { sku: 'OUT-MISS', priceCents: 2000, stock: 5 },
      ],
    })
    const direct = new URL((await databaseEnv(seeded.dir)).DATABASE_URL!)
    proxy = startTcpProxy({ hostname: direct.hostname, port: Number(direct.port) })
    const proxied = new URL(direct)
    proxied.host = `127.0.0.1:${proxy.port}`
    kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, DATABASE_URL: proxied.toString() } })
  })
  afterAll(async () => {
    if (kiosk?.process.exitCode === null) await kiosk.stop()
    proxy?.stop()
  })

  const timed = async (path: string) => {
    const started = performance.now()
    const response = await fetch(`${kiosk.url}${path}`, { signal: AbortSignal.timeout(ANSWER_WITHIN_MS) })
    return { response, ms: performance.now() - started }
  }
  const productPath = (index: number) => `/products/${seeded.products[index]!.id}`

  test('up: the product and readiness answer 200 through the proxy', async () => {
    expect((await timed(productPath(0))).response.status).toBe(200)
    expect((await timed('/health/ready')).response.status).toBe(200)
    expect(proxy.open).toBeGreaterThan(0)
  })

  test('cut: a product read is a 503 problem with Retry-After, readiness a 503, both in bounded time', async () => {
    proxy.cut()
    // A product this process never read, so no cache can answer for the database.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { response, ms } = await timed(productPath(1))
      expect(ms).toBeLessThan(ANSWER_WITHIN_MS)
      expect(response.status).toBe(503)
      expect(response.headers.get('content-type')).toStartWith('application/problem+json')
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await response.json()).toMatchObject({ status: 503, detail: 'A service Kiosk depends on is unavailable; try again shortly.' })
    }
    const { response, ms } = await timed('/health/ready')
    expect(ms).toBeLessThan(ANSWER_WITHIN_MS)
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ status: 'unavailable', checks: { database: 'unavailable', migrations: 'unknown' } })
    expect((await timed('/health/live')).response.status).toBe(200)
    // A warning for the outage, never an unhandled error.
    await kiosk.waitForLog((line) => line.includes('database or Redis unavailable: answering 503'))
    expect(kiosk.logs.filter((line) => line.includes('"msg":"unhandled error"'))).toEqual([])
  })

  test('restored: the same process answers 200 again by itself, and follows changes again', async () => {
    proxy.restore()
    const statuses: number[] = []
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await Bun.sleep(200)) {
      const status = (await timed('/health/ready')).response.status
      statuses.push(status)
      if (status === 200) break
    }
    expect(statuses.at(-1)).toBe(200)
    const read = await timed(productPath(1))
    expect(read.response.status).toBe(200)
    expect(((await read.response.json()) as { price_cents: number }).price_cents).toBe(2000)

    // Another process changes a price the server has cached: NOTIFY reaches it over the new connection.
    expect(((await (await timed(productPath(0))).response.json()) as { price_cents: number }).price_cents).toBe(1000)
    await folderQuery(seeded.dir, 'UPDATE products SET price_cents = 1111 WHERE id = ?', [seeded.products[0]!.id])
    let price = 0
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && price !== 1111; await Bun.sleep(100)) {
      price = ((await (await timed(productPath(0))).response.json()) as { price_cents: number }).price_cents
    }
    expect(price).toBe(1111)
    expect(kiosk.logs.filter((line) => line.includes('"msg":"unhandled error"'))).toEqual([])
  })

  test('drains and exits 0 on SIGTERM', async () => {
    expect(await kiosk.stop()).toBe(0)
  })
})
