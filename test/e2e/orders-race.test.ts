import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { seedDataFolder, type SeededUser } from './data-folder.ts'
import { startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* Races over real sockets against the compiled executable. */
let kiosk: RunningKiosk
let buyers: SeededUser[]
let admin: SeededUser
let products: Awaited<ReturnType<typeof seedDataFolder>>['products']

beforeAll(async () => {
  const seeded = await seedDataFolder({
    users: [{ role: 'admin' }, ...Array.from({ length: 6 }, () => ({ role: 'user' as const }))],
    products: [{ sku: 'LAST-UNITS', stock: 7 }, { sku: 'IDEMPOTENT', stock: 100 }, { sku: 'CANCEL', stock: 10 }],
  })
  ;[admin, ...buyers] = seeded.users as [SeededUser, ...SeededUser[]]
  products = seeded.products
  kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
})
afterAll(async () => {
  await kiosk?.stop()
})

const post = (path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${kiosk.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const stock = async (id: string) => ((await (await fetch(`${kiosk.url}/products/${id}`)).json()) as { stock: number }).stock

describe('racing for the last units', () => {
  test('60 concurrent orders for 7 units sell exactly 7, never more, with no 5xx', async () => {
    const product = products[0]!
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => post('/orders', buyers[i % buyers.length]!.token, { items: [{ product_id: product.id, quantity: 1 }] })),
    )
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 201)).toHaveLength(7)
    expect(statuses.filter((s) => s === 409)).toHaveLength(53)
    expect(await stock(product.id)).toBe(0)
  })
})

describe('concurrent replays of one Idempotency-Key', () => {
  test('create one order', async () => {
    const product = products[1]!
    const body = { items: [{ product_id: product.id, quantity: 3 }] }
    const responses = await Promise.all(Array.from({ length: 20 }, () => post('/orders', buyers[0]!.token, body, { 'idempotency-key': 'race-key' })))
    expect(responses.every((r) => r.status === 201)).toBe(true)
    const ids = new Set(await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id)))
    expect(ids.size).toBe(1)
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19)
    expect(await stock(product.id)).toBe(97)
  })
})

describe('concurrent cancels of one order', () => {
  test('return the stock once', async () => {
    const product = products[2]!
    const created = (await (await post('/orders', buyers[1]!.token, { items: [{ product_id: product.id, quantity: 4 }] })).json()) as { id: string }
    expect(await stock(product.id)).toBe(6)
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => post(`/orders/${created.id}/cancel`, buyers[1]!.token)),
      ...Array.from({ length: 5 }, () => post(`/orders/${created.id}/cancel`, admin.token)),
    ])
    expect(responses.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1)
    expect(responses.every((r) => r.status === 200 || r.status === 409)).toBe(true)
    expect(await stock(product.id)).toBe(10)
  })
})
