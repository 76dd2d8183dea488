import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startReceiver } from '../modules/webhooks/receiver.ts'
import { seedDataFolder } from './data-folder.ts'
import { onPostgres } from '../postgres.ts'
import { emptyFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

/** README "Running N replicas": on PostgreSQL another process serves a write at most this long after it was acknowledged. */
const STALENESS_BOUND_MS = 100

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* KIOSK_WORKERS on the compiled executable: a supervisor and its worker processes on one port. */

const running = new Set<RunningKiosk>()
afterAll(async () => {
  // A test that failed midway leaves its group running: the supervisor and every worker it started go.
  for (const kiosk of running) {
    if (kiosk.process.exitCode === null) kiosk.process.kill('SIGKILL')
    for (const line of logged(kiosk, 'worker started')) if (alive(line.pid)) process.kill(line.pid, 'SIGKILL')
  }
})

const LISTENING = 'kiosk listening'
/** A supervisor with `workers` workers, resolved once every one of them listens. */
async function startGroup(workers: number, options: { dir?: string; env?: Record<string, string> } = {}) {
  const kiosk = await startKiosk({ ...options, env: { KIOSK_WORKERS: String(workers), ...options.env } })
  running.add(kiosk)
  await kiosk.waitForLog(() => kiosk.logs.filter((line) => line.includes(LISTENING)).length >= workers, 20_000)
  return kiosk
}

const logged = (kiosk: RunningKiosk, message: string) =>
  kiosk.logs.filter((line) => line.includes(`"msg":"${message}"`)).map((line) => JSON.parse(line) as Record<string, any>)
const pidsListening = (kiosk: RunningKiosk) => logged(kiosk, LISTENING).map((line) => line.pid as number)
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A request on a connection of its own (a new client each time: the kernel spreads them over the workers). */
const fresh = (url: string, init: RequestInit = {}) => fetch(url, { ...init, keepalive: false, headers: { ...init.headers, connection: 'close' } })

describe('KIOSK_WORKERS=2 on the compiled executable', () => {
  test('two workers serve one port; a price change through one is every later read on fresh connections (0 stale)', async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'admin' }], products: [{ sku: 'W-1', priceCents: 1000, stock: 5 }] })
    const kiosk = await startGroup(2, { dir: seeded.dir, env: seeded.env })
    const pids = pidsListening(kiosk)
    expect(new Set(pids).size).toBe(2)
    expect(pids).not.toContain(kiosk.process.pid)
    const product = `${kiosk.url}/products/${seeded.products[0]!.id}`
    // Both workers cache the old price.
    for (let i = 0; i < 40; i++) expect(((await (await fresh(product)).json()) as { price_cents: number }).price_cents).toBe(1000)
    const patched = await fresh(product, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${seeded.users[0]!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ price_cents: 1234 }),
    })
    expect(patched.status).toBe(200)
    // SQLite: the change log is read before each request, so 0 stale from the next request on. PostgreSQL:
    // the NOTIFY reaches the other worker asynchronously, within the bound README "Running N replicas" states.
    if (onPostgres) await Bun.sleep(STALENESS_BOUND_MS)
    const prices: number[] = []
    for (let i = 0; i < 100; i++) prices.push(((await (await fresh(product)).json()) as { price_cents: number }).price_cents)
    expect(prices.filter((price) => price !== 1234)).toEqual([])

    // kiosk create-admin, another process, takes effect at once: the promoted user's old token dies.
    const user = await fresh(`${kiosk.url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'promoted@e2e.test', password: 'a long enough password', name: 'Promoted' }),
    })
    expect(user.status).toBe(201)
    const login = await fresh(`${kiosk.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=promoted%40e2e.test&password=a+long+enough+password',
    })
    const { access_token } = (await login.json()) as { access_token: string }
    for (let i = 0; i < 10; i++) expect((await fresh(`${kiosk.url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })).status).toBe(200)
    const promoted = await runKiosk(['create-admin', '--email', 'promoted@e2e.test', '--password-stdin'], { dir: seeded.dir, env: seeded.env, stdin: 'another long password\n' })
    expect(promoted.code).toBe(0)
    const after: number[] = []
    for (let i = 0; i < 20; i++) after.push((await fresh(`${kiosk.url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })).status)
    expect(after).toEqual(Array(20).fill(401))

    // SIGTERM to the supervisor: every worker drains, the group exits 0 (the supervisor exits 0
    // only when every worker it stopped exited 0).
    expect(await kiosk.stop('SIGTERM')).toBe(0)
    expect(pids.filter(alive)).toEqual([])
  }, 60_000)

  test('failed logins count across workers: N × the limit are refused at the limit, and still after a restart', async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'user', email: 'target@e2e.test' }] })
    const env = { ...seeded.env, LOGIN_MAX_FAILURES: '3' }
    const attempt = async (url: string) =>
      (
        await fresh(`${url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=password&username=target%40e2e.test&password=wrong+password',
        })
      ).status
    let kiosk = await startGroup(2, { dir: seeded.dir, env })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push(await attempt(kiosk.url))
    expect(statuses).toEqual([400, 400, 400, 429, 429, 429])
    expect(await kiosk.stop('SIGTERM')).toBe(0)
    kiosk = await startGroup(2, { dir: seeded.dir, env })
    expect(await attempt(kiosk.url)).toBe(429)
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  }, 60_000)

  test('a per-second job runs once per tick across workers; the leader killed with SIGKILL is replaced and restarted', async () => {
    const kiosk = await startGroup(2, { env: { REPORT_CRON: '* * * * * *', LEADER_LEASE: '2s' } })
    const runs = () => logged(kiosk, 'job run').filter((line) => line.job === 'report-snapshot' && line.outcome === 'success')
    await kiosk.waitForLog(() => runs().length >= 4, 15_000)
    const [first] = logged(kiosk, 'leadership acquired: this process runs the scheduled jobs')
    const leader = Number(String(first!.holder).split(':')[1])
    expect(pidsListening(kiosk)).toContain(leader)
    // One run per tick: no two snapshots taken in the same second (a snapshot is named by when its run started).
    const ticks = () => runs().map((line) => String(line.result.name).slice(0, 27))
    expect(new Set(ticks()).size).toBe(ticks().length)

    process.kill(leader, 'SIGKILL')
    const takeover = JSON.parse(
      await kiosk.waitForLog((line) => line.includes('leadership acquired') && !line.includes(`:${leader}:`), 10_000),
    ) as { holder: string }
    expect(Number(takeover.holder.split(':')[1])).not.toBe(leader)
    await kiosk.waitForLog((line) => line.includes('worker died: restarting it'))
    expect(logged(kiosk, 'worker died: restarting it').map((line) => [line.pid, line.signal])).toEqual([[leader, 'SIGKILL']])
    await kiosk.waitForLog(() => pidsListening(kiosk).length >= 3, 15_000)
    // The new leader runs the job, still once per tick.
    const before = runs().length
    await kiosk.waitForLog(() => runs().length >= before + 3, 10_000)
    expect(new Set(ticks()).size).toBe(ticks().length)
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  }, 60_000)

  test('webhook deliveries with two dispatching workers: every event delivered exactly once', async () => {
    const receiver = startReceiver()
    try {
      const seeded = await seedDataFolder({ users: [{ role: 'admin' }, { role: 'user' }], products: [{ sku: 'W-HOOK', stock: 1000 }] })
      const kiosk = await startGroup(2, { dir: seeded.dir, env: { ...seeded.env, WEBHOOK_ALLOW_PRIVATE: 'true' } })
      const [admin, buyer] = seeded.users
      const registered = await fresh(`${kiosk.url}/admin/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin!.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, events: ['order.created'] }),
      })
      expect(registered.status).toBe(201)
      const orders = await Promise.all(
        Array.from({ length: 30 }, () =>
          fresh(`${kiosk.url}/orders`, {
            method: 'POST',
            headers: { authorization: `Bearer ${buyer!.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ items: [{ product_id: seeded.products[0]!.id, quantity: 1 }] }),
          }),
        ),
      )
      expect(orders.map((response) => response.status)).toEqual(Array(30).fill(201))
      await receiver.arrivals(30)
      expect(await kiosk.stop('SIGTERM')).toBe(0)
      const ids = receiver.received.map((entry) => entry.headers['webhook-id'])
      expect(ids).toHaveLength(30)
      expect(new Set(ids).size).toBe(30)
    } finally {
      receiver.stop()
    }
  }, 60_000)

  test('a second plain kiosk serve on the group\'s port is refused (exit 69), and the group keeps serving', async () => {
    const kiosk = await startGroup(2)
    const port = new URL(kiosk.url).port
    const second = await runKiosk(['serve'], { dir: emptyFolder(), env: { PORT: port, HOST: '127.0.0.1' } })
    expect(second.code).toBe(69)
    expect(second.stderr.trim()).toBe(`kiosk: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens there)`)
    const anotherGroup = await runKiosk(['serve'], { dir: emptyFolder(), env: { PORT: port, HOST: '127.0.0.1', KIOSK_WORKERS: '2' } })
    expect(anotherGroup.code).toBe(69)
    expect((await fresh(`${kiosk.url}/health/live`)).status).toBe(200)
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  }, 60_000)
})
