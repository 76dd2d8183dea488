import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { redisMissing, TEST_REDIS_URL } from '../redis.ts'
import { startReceiver } from '../modules/webhooks/receiver.ts'
import { onPostgres } from '../postgres.ts'
import type { RunningKiosk } from './harness.ts'
import {
  bearer,
  cleanUp,
  filesUnder,
  fresh,
  jsonBody,
  logged,
  metric,
  randomPng,
  sharedDatabase,
  snapshotRuns,
  startReplicas as startReplicasWith,
  type SharedDatabase,
  storedSnapshots,
  claimedTicks,
  waitFor,
} from './replicas-harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Issue #18: N stateless replicas of the compiled executable behind a load balancer behave as one
 * service. Two replicas on two ports, each with its own empty DATA_DIR, one PostgreSQL database,
 * one JWT_SECRET; the test plays the balancer (it picks a replica per request).
 */

/** README "Running N replicas": a write acknowledged by one replica is served by every other this long after. */
const STALENESS_BOUND_MS = 100
const LEADERSHIP = 'leadership acquired: this process runs the scheduled jobs'
/** A per-second job and a short lease, so the leader's work and a takeover show within seconds. */
const PER_SECOND_JOB = { REPORT_CRON: '* * * * * *', LEADER_LEASE: '2s', SNAPSHOT_KEEP: '1000' }

if (!onPostgres) console.log('replicas.test.ts skipped: replicas share a PostgreSQL database; run it with KIOSK_TEST_DATABASE=postgres')
afterAll(cleanUp)

// Every check runs with PostgreSQL alone, then again with REDIS_URL (limits and cache invalidation in Redis).
const VARIANTS: { label: string; env: Record<string, string> }[] = [
  { label: '', env: {} },
  ...(redisMissing ? [] : [{ label: ' and one Redis (REDIS_URL)', env: { REDIS_URL: TEST_REDIS_URL } }]),
]
if (onPostgres && redisMissing) console.log(`replicas.test.ts: the REDIS_URL variant is skipped: ${redisMissing}`)

for (const variant of VARIANTS) {
  describe.skipIf(!onPostgres)(`two replicas of dist/kiosk, each with its own empty DATA_DIR, on one PostgreSQL database${variant.label}`, () => {
    const startReplicas = (database: SharedDatabase, count: number, env: Record<string, string> = {}) => startReplicasWith(database, count, { ...variant.env, ...env })

    test('an order placed on A is read on B; a price or stock changed on either is never served stale by the other after the bound', async () => {
      const db = await sharedDatabase({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'R-1', priceCents: 1000, stock: 50 }, { sku: 'R-LOAD', stock: 1_000_000 }] })
      const [admin, buyer] = db.users
      const productId = db.products[0]!.id
      const [a, b] = (await startReplicas(db, 2)) as [RunningKiosk, RunningKiosk]
      expect(a.url).not.toBe(b.url)
      const read = async (replica: RunningKiosk) => (await (await fresh(`${replica.url}/products/${productId}`)).json()) as { price_cents: number; stock: number }
      // Both replicas cache the product first.
      for (let i = 0; i < 10; i++) for (const replica of [a, b]) expect(await read(replica)).toMatchObject({ price_cents: 1000, stock: 50 })

      const placed = await fresh(`${a.url}/orders`, jsonBody(buyer!.token, { items: [{ product_id: productId, quantity: 2 }] }))
      expect(placed.status).toBe(201)
      const order = (await placed.json()) as { id: string }
      const there = await fresh(`${b.url}/orders/${order.id}`, { headers: bearer(buyer!.token) })
      expect(there.status).toBe(200)
      expect(await there.json()).toEqual(order)
      const listed = (await (await fresh(`${b.url}/orders`, { headers: bearer(buyer!.token) })).json()) as { items: { id: string }[] }
      expect(listed.items.map((item) => item.id)).toEqual([order.id])
      await Bun.sleep(STALENESS_BOUND_MS)
      expect(await read(b)).toMatchObject({ price_cents: 1000, stock: 48 })

      // The delay itself: each change polled on the other replica (fresh connections) until it shows.
      // The window is between the start of the last stale read and the end of the first new one.
      const patch = (replica: RunningKiosk, cents: number) => fresh(`${replica.url}/products/${productId}`, jsonBody(admin!.token, { price_cents: cents }, 'PATCH'))
      let price = 1000
      async function delays(rounds: number) {
        const lastStale: number[] = []
        const firstNew: number[] = []
        for (let round = 1; round <= rounds; round++) {
          const [writer, reader] = round % 2 ? [a, b] : [b, a]
          expect((await patch(writer, ++price)).status).toBe(200)
          const acknowledged = performance.now()
          let stale = 0
          for (;;) {
            const started = performance.now() - acknowledged
            if ((await read(reader)).price_cents === price) break
            stale = started
            expect(started).toBeLessThan(5000)
          }
          lastStale.push(stale)
          firstNew.push(performance.now() - acknowledged)
        }
        const [low, high] = [lastStale, firstNew].map((list) => list.sort((x, y) => x - y))
        return `first new read ended after ${high![rounds >> 1]!.toFixed(1)} ms median, ${high!.at(-1)!.toFixed(1)} ms max; ` +
          `last stale read started at most ${low!.at(-1)!.toFixed(1)} ms after (${low!.filter((ms) => ms > 0).length} of ${rounds} changes had one)`
      }
      console.log(`replicas: a price change acknowledged by one replica, read on the other, at rest: ${await delays(40)}`)
      // And while 16 clients place orders on both replicas (another product): the delay under load, for the README.
      let loaded = true
      const load = Array.from({ length: 16 }, async (_, i) => {
        while (loaded) await (await fetch(`${[a, b][i % 2]!.url}/orders`, jsonBody(buyer!.token, { items: [{ product_id: db.products[1]!.id, quantity: 1 }] }))).arrayBuffer()
      })
      console.log(`replicas: the same under order load: ${await delays(40)}`)
      loaded = false
      await Promise.all(load)

      // The bound: one wait of it after the acknowledgement, then 20 reads on fresh connections are all new.
      for (const [writer, reader, cents] of [[a, b, 2000], [b, a, 2001]] as const) {
        expect((await patch(writer, cents)).status).toBe(200)
        await Bun.sleep(STALENESS_BOUND_MS)
        const prices: number[] = []
        for (let i = 0; i < 20; i++) prices.push((await read(reader)).price_cents)
        expect(prices).toEqual(Array(20).fill(cents))
      }
    }, 60_000)

    test('N × the limit failed logins spread over both replicas are refused at the limit, per client address behind the balancer', async () => {
      const db = await sharedDatabase({ users: [{ role: 'user', email: 'target@e2e.test' }] })
      const LIMIT = 3
      const replicas = await startReplicas(db, 2, { LOGIN_MAX_FAILURES: String(LIMIT), TRUST_PROXY: 'true' })
      // The balancer appends the client's address to X-Forwarded-For; with TRUST_PROXY=true that is the key.
      const attempt = async (replica: RunningKiosk, client: string) =>
        (
          await fresh(`${replica.url}/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client },
            body: 'grant_type=password&username=target%40e2e.test&password=wrong+password',
          })
        ).status
      // A wrong password is RFC 6749's 400 invalid_grant; past the limit, 429.
      const statuses: number[] = []
      for (let i = 0; i < replicas.length * LIMIT; i++) statuses.push(await attempt(replicas[i % replicas.length]!, '203.0.113.7'))
      expect(statuses).toEqual([400, 400, 400, 429, 429, 429])
      // At once, from another client, over both replicas: exactly the limit gets through.
      const burst = await Promise.all(Array.from({ length: replicas.length * LIMIT }, (_, i) => attempt(replicas[i % replicas.length]!, '203.0.113.8')))
      expect(burst.filter((status) => status === 400)).toHaveLength(LIMIT)
      expect(burst.filter((status) => status === 429)).toHaveLength(LIMIT)
      // The key is the client, not the balancer: a third client is not refused.
      expect(await attempt(replicas[1]!, '198.51.100.9')).toBe(400)
    }, 60_000)

    test('a per-second job runs once per tick across both replicas, and moves to B when A stops', async () => {
      const db = await sharedDatabase()
      const [a, b] = (await startReplicas(db, 2, PER_SECOND_JOB)) as [RunningKiosk, RunningKiosk]
      await waitFor('five snapshots', async () => (await storedSnapshots(db)).length >= 5)
      expect(logged(b, LEADERSHIP)).toEqual([])
      expect(snapshotRuns(b)).toEqual([])
      // A graceful stop releases the lease: B takes the jobs at its next try (a third of LEADER_LEASE).
      expect(await a.stop('SIGTERM')).toBe(0)
      await b.waitForLog((line) => line.includes(LEADERSHIP), 5000)
      await b.waitForLog(() => snapshotRuns(b).length >= 4, 10_000)
      expect(await b.stop('SIGTERM')).toBe(0)

      const stored = await storedSnapshots(db)
      const byA = snapshotRuns(a).map((line) => String(line.result.name))
      const byB = snapshotRuns(b).map((line) => String(line.result.name))
      // Every run is in the database and in exactly one replica's log; each is one claimed tick (no tick twice).
      expect([...byA, ...byB].sort()).toEqual(stored)
      expect((await claimedTicks(db)).length).toBe(stored.length)
      expect(byA.length).toBeGreaterThanOrEqual(5)
      // One leader at a time: every run of B's comes after A's last.
      expect(byB.every((name) => name > byA.at(-1)!)).toBe(true)
    }, 60_000)

    test('a webhook receives each of 30 events exactly once, with both replicas dispatching', async () => {
      // A receiver that takes 300 ms and two attempts in flight per replica: neither replica can take all 30 alone in time.
      const receiver = startReceiver(async () => {
        await Bun.sleep(300)
        return new Response('ok')
      })
      try {
        const db = await sharedDatabase({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'R-HOOK', stock: 1000 }] })
        const [admin, buyer] = db.users
        const replicas = await startReplicas(db, 2, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: '2' })
        const registered = await fresh(`${replicas[0]!.url}/admin/webhooks`, jsonBody(admin!.token, { url: receiver.url, events: ['order.created'] }))
        expect(registered.status).toBe(201)
        const placed = await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            fresh(`${replicas[i % 2]!.url}/orders`, jsonBody(buyer!.token, { items: [{ product_id: db.products[0]!.id, quantity: 1 }] })),
          ),
        )
        expect(placed.map((response) => response.status)).toEqual(Array(30).fill(201))
        const orderIds = await Promise.all(placed.map(async (response) => ((await response.json()) as { id: string }).id))
        await receiver.arrivals(30)
        // Past both dispatchers' next polls (every second): a second delivery of anything would arrive now.
        await Bun.sleep(2500)
        const delivered = await Promise.all(replicas.map((replica) => metric(replica, 'webhook_delivery_attempts_total', 'outcome="delivered"')))
        for (const replica of replicas) expect(await replica.stop('SIGTERM')).toBe(0)

        expect(receiver.received).toHaveLength(30)
        expect(new Set(receiver.received.map((entry) => entry.headers['webhook-id'])).size).toBe(30)
        const events = receiver.received.map((entry) => JSON.parse(entry.body) as { type: string; data: { id: string } })
        expect(events.map((event) => event.data.id).sort()).toEqual(orderIds.sort())
        expect(delivered[0]! + delivered[1]!).toBe(30)
        expect(delivered.every((count) => count > 0)).toBe(true)
        console.log(`replicas: webhook deliveries by replica: ${delivered.join(' + ')}`)
        expect(await db.sql`SELECT status, attempts, count(*)::int AS n FROM webhook_deliveries GROUP BY status, attempts`).toEqual([
          { status: 'delivered', attempts: 1, n: 30 },
        ])
      } finally {
        receiver.stop()
      }
    }, 60_000)

    test('an image uploaded through A is served byte-identical by B (the files table); nothing lands on either disk', async () => {
      const db = await sharedDatabase({ users: [{ role: 'admin' }], products: [{ sku: 'R-IMG', stock: 1 }] })
      const [admin] = db.users
      const [a, b] = (await startReplicas(db, 2)) as [RunningKiosk, RunningKiosk]
      const path = `/products/${db.products[0]!.id}/image`
      const upload = (replica: RunningKiosk, png: Buffer) =>
        fresh(`${replica.url}${path}`, { method: 'PUT', headers: bearer(admin!.token, { 'content-type': 'image/png' }), body: png })

      const first = randomPng(300_000)
      expect((await upload(a, first)).status).toBe(200)
      const fromA = await fresh(`${a.url}${path}`)
      const fromB = await fresh(`${b.url}${path}`)
      expect(fromB.status).toBe(200)
      expect(fromB.headers.get('content-type')).toBe('image/png')
      expect(fromB.headers.get('etag')).toBe(fromA.headers.get('etag'))
      expect(Buffer.from(await fromB.arrayBuffer()).equals(first)).toBe(true)
      expect((await fresh(`${b.url}${path}`, { headers: { 'if-none-match': fromA.headers.get('etag')! } })).status).toBe(304)

      // Replaced through B, served new by A; removed through A, gone on B.
      const second = randomPng(200_000)
      expect((await upload(b, second)).status).toBe(200)
      // The other replica's cached product (its image key) is dropped within the bound.
      await Bun.sleep(STALENESS_BOUND_MS)
      expect(Buffer.from(await (await fresh(`${a.url}${path}`)).arrayBuffer()).equals(second)).toBe(true)
      expect((await fresh(`${a.url}${path}`, { method: 'DELETE', headers: bearer(admin!.token) })).status).toBe(204)
      await Bun.sleep(STALENESS_BOUND_MS)
      expect((await fresh(`${b.url}${path}`)).status).toBe(404)

      // A replica's DATA_DIR holds its lock (the lock file, its journal and its holder) and nothing else.
      for (const replica of [a, b]) expect(filesUnder(replica.dir).filter((name) => !name.startsWith('data/kiosk.lock'))).toEqual([])
    }, 60_000)

    test('SIGKILL of replica A under order load: no acknowledged order is lost, B serves on and takes over the jobs', async () => {
      const INITIAL_STOCK = 100_000
      const db = await sharedDatabase({ users: [{ role: 'user' }], products: [{ sku: 'R-LOAD', stock: INITIAL_STOCK }] })
      const [buyer] = db.users
      const productId = db.products[0]!.id
      const [a, b] = (await startReplicas(db, 2, PER_SECOND_JOB)) as [RunningKiosk, RunningKiosk]
      expect(logged(a, LEADERSHIP)).toHaveLength(1)
      await a.waitForLog(() => snapshotRuns(a).length >= 2, 10_000)
      expect(logged(b, LEADERSHIP)).toEqual([])

      // Eight clients through a "balancer" that alternates replicas and drops A at its first failure.
      const acknowledged: { id: string; by: RunningKiosk }[] = []
      const refused: number[] = []
      let failedOnA = 0
      let aDown = false
      let killedAt = 0
      let acknowledgedAfterKill = 0
      const client = async (offset: number) => {
        for (let i = offset; acknowledgedAfterKill < 60; i++) {
          const replica = !aDown && i % 2 === 0 ? a : b
          try {
            const response = await fetch(`${replica.url}/orders`, jsonBody(buyer!.token, { items: [{ product_id: productId, quantity: 1 }] }))
            if (response.status !== 201) refused.push(response.status)
            else {
              acknowledged.push({ id: ((await response.json()) as { id: string }).id, by: replica })
              if (killedAt) acknowledgedAfterKill++
            }
          } catch (error) {
            if (replica === b) throw error
            failedOnA++
            aDown = true
          }
        }
      }
      const load = Promise.all(Array.from({ length: 8 }, (_, i) => client(i)))
      await waitFor('80 acknowledged orders', () => acknowledged.length >= 80)
      a.process.kill('SIGKILL')
      killedAt = Date.now()
      await load
      expect(await a.process.exited).not.toBe(0)
      expect(a.process.signalCode).toBe('SIGKILL')
      expect(refused).toEqual([])
      expect(acknowledgedAfterKill).toBeGreaterThanOrEqual(60)
      expect(acknowledged.filter((order) => order.by === a).length).toBeGreaterThan(0)

      // Every 2xx is committed: in the database, and read back through B.
      const ids = acknowledged.map((order) => order.id)
      const [found] = await db.sql`SELECT count(*)::int AS n FROM orders WHERE id IN ${db.sql(ids)}`
      expect(found.n).toBe(ids.length)
      for (let i = 0; i < ids.length; i += 20) {
        const reads = await Promise.all(ids.slice(i, i + 20).map((id) => fetch(`${b.url}/orders/${id}`, { headers: bearer(buyer!.token) })))
        expect(reads.map((response) => response.status)).toEqual(Array(reads.length).fill(200))
      }
      // Requests cut off by the kill may have committed unacknowledged; stock matches whatever committed.
      const [totals] = await db.sql`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT coalesce(sum(quantity), 0)::int FROM order_items) AS sold,
        (SELECT stock FROM products WHERE id = ${productId}) AS stock`
      expect(totals.orders).toBeGreaterThanOrEqual(ids.length)
      expect(totals.orders).toBeLessThanOrEqual(ids.length + failedOnA)
      expect(totals.stock + totals.sold).toBe(INITIAL_STOCK)

      // B takes the lease once A's has run out (LEADER_LEASE plus at most one renewal) and runs the jobs.
      const takeover = JSON.parse(await b.waitForLog((line) => line.includes(LEADERSHIP), 10_000)) as { time: string }
      console.log(`replicas: B took the scheduler lease ${Date.parse(takeover.time) - killedAt} ms after A was killed (LEADER_LEASE=2s, renewal every 667 ms)`)
      await b.waitForLog(() => snapshotRuns(b).length >= 3, 10_000)
      expect(await b.stop('SIGTERM')).toBe(0)
      const stored = await storedSnapshots(db)
      // A tick claimed by A just before the kill may have no snapshot: never more runs than claimed ticks.
      expect(stored.length).toBeLessThanOrEqual((await claimedTicks(db)).length)
      const byA = snapshotRuns(a).map((line) => String(line.result.name))
      const byB = snapshotRuns(b).map((line) => String(line.result.name))
      // A's last run may have been cut off after it stored its snapshot, before it logged it.
      for (const name of [...byA, ...byB]) expect(stored).toContain(name)
      // One leader at a time: B's first run comes after every snapshot A stored.
      const storedByA = stored.filter((name) => !byB.includes(name))
      expect(byB[0]! > storedByA.at(-1)!).toBe(true)
    }, 90_000)
  })
}
