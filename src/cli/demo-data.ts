import { hashPassword } from '../modules/users/service.ts'
import type { DemoStore } from '../db/demo-store.ts'
import type { OrderStatus } from '../db/schema.ts'
import type { Clock } from '../lib/clock.ts'
import type { Progress } from './progress.ts'

/*
 * Demo data for `kiosk seed --demo`: a catalog, customers and an administrator, and months of
 * order history whose statuses, events and stock agree with each other (stock = initial stock
 * minus what non-cancelled orders took). Orders are written straight into their tables, with
 * no outbox events: they are history, not news for webhooks. Deterministic for a given --seed
 * (ids aside). Fast: prepared statements, one transaction per batch.
 */

export interface DemoOptions {
  products: number
  users: number
  orders: number
  months: number
  /** Password of the demo accounts (hashed once, shared by all of them). */
  password: string
  currency: string
  seed: number
  /** Distinguishes the skus of a second seeding (--force) from the first one's. */
  skuTag: string
}

export interface DemoResult {
  products: number
  customersCreated: number
  /** Emails of the first and last customer created, when any were. */
  customerRange: [string, string] | null
  adminCreated: boolean
  orders: number
  orderLines: number
  byStatus: Record<string, number>
}

const DAY = 86_400_000
const BATCH = 1000

/** mulberry32: small, fast and good enough for demo data. */
function random(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  /** Picks a key of `weights` with probability proportional to its weight. */
  const weighted = <K extends string>(weights: Record<K, number>): K => {
    const entries = Object.entries(weights) as [K, number][]
    let roll = next() * entries.reduce((sum, [, weight]) => sum + weight, 0)
    for (const [key, weight] of entries) if ((roll -= weight) < 0) return key
    return entries[entries.length - 1]![0]
  }
  return { next, int, pick, weighted }
}

const CATALOG = {
  furniture: { items: ['Chair', 'Table', 'Stool', 'Shelf', 'Desk', 'Bench', 'Cabinet'], price: [4_000, 60_000] },
  kitchen: { items: ['Mug', 'Kettle', 'Pan', 'Knife', 'Cutting board', 'Teapot', 'Bowl'], price: [500, 12_000] },
  garden: { items: ['Planter', 'Watering can', 'Trowel', 'Hose', 'Bird feeder', 'Lantern'], price: [800, 9_000] },
  lighting: { items: ['Lamp', 'Pendant light', 'Candle holder', 'Floor lamp', 'String lights'], price: [1_500, 25_000] },
  textiles: { items: ['Blanket', 'Cushion', 'Rug', 'Towel', 'Apron', 'Throw'], price: [900, 18_000] },
  stationery: { items: ['Notebook', 'Pen', 'Planner', 'Desk tray', 'Pencil case'], price: [200, 4_500] },
} as const
const ADJECTIVES = ['Sturdy', 'Compact', 'Classic', 'Nordic', 'Rustic', 'Modern', 'Handmade', 'Vintage', 'Minimal', 'Cosy', 'Large', 'Small']
const MATERIALS = ['oak', 'walnut', 'pine', 'bamboo', 'ceramic', 'linen', 'cotton', 'steel', 'brass', 'glass', 'wool', 'recycled']
const NOTES = ['Leave at the door, please.', 'Gift wrap if possible.', 'Call before delivery.', 'Fragile!']
const FIRST = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Eva', 'Farid', 'Grace', 'Hiro', 'Inès', 'Jonas', 'Kemi', 'Lena', 'Marco', 'Nora', 'Omar', 'Priya']
const LAST = ['Lovelace', 'Okafor', 'Dubois', 'Ivanova', 'Santos', 'Haddad', 'Hopper', 'Tanaka', 'Moreau', 'Berg', 'Adeyemi', 'Novak']

interface DemoProduct {
  id: string
  sku: string
  name: string
  priceCents: number
  stock: number
  active: boolean
  createdAt: number
}

/** The status history of an order placed at `placed`, by age, as shops see it. */
function statusPath(rng: ReturnType<typeof random>, ageDays: number): OrderStatus[] {
  const final =
    ageDays > 14
      ? rng.weighted({ delivered: 86, cancelled: 10, shipped: 4 })
      : ageDays > 3
        ? rng.weighted({ delivered: 45, shipped: 30, paid: 10, cancelled: 12, pending: 3 })
        : rng.weighted({ pending: 35, paid: 28, shipped: 20, cancelled: 12, delivered: 5 })
  switch (final) {
    case 'pending':
      return ['pending']
    case 'paid':
      return ['pending', 'paid']
    case 'shipped':
      return ['pending', 'paid', 'shipped']
    case 'delivered':
      return ['pending', 'paid', 'shipped', 'delivered']
    default:
      return rng.next() < 0.5 ? ['pending', 'cancelled'] : ['pending', 'paid', 'cancelled']
  }
}

export async function seedDemo(store: DemoStore, clock: Clock, options: DemoOptions, progress: Progress): Promise<DemoResult> {
  const rng = random(options.seed)
  const now = clock.now().getTime()
  const start = now - options.months * 30 * DAY
  const iso = (ms: number) => new Date(ms).toISOString()
  const idAt = (ms: number) => Bun.randomUUIDv7('hex', Math.floor(ms))
  /** Writes `items` a batch (one transaction) at a time, with progress. */
  const inBatches = async <T>(items: T[], label: string, write: (batch: T[]) => Promise<void>) => {
    const step = progress.step(label, items.length)
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH)
      await write(batch)
      step.advance(batch.length)
    }
    step.done(`${items.length} inserted`)
  }

  // Accounts: one administrator and the customers, all with the one printed password.
  const passwordHash = await hashPassword(options.password)
  const adminCreated = await store.insertUserIfNew({
    id: idAt(start - DAY),
    email: 'admin@kiosk.local',
    name: 'Demo Admin',
    passwordHash,
    role: 'admin',
    at: iso(start - DAY),
  })
  const adminId = (await store.userIdByEmail('admin@kiosk.local'))!

  const existingCustomers = await store.countDemoCustomers()
  const newCustomers = Array.from({ length: options.users }, (_, i) => {
    const createdAt = start + rng.next() * (now - start) * 0.9
    const number = existingCustomers + i + 1
    return { id: idAt(createdAt), email: `customer${number}@kiosk.local`, name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`, createdAt }
  })
  await inBatches(newCustomers, 'users', (batch) =>
    store.insertUsers(batch.map((c) => ({ id: c.id, email: c.email, name: c.name, passwordHash, role: 'user', at: iso(c.createdAt) }))),
  )

  // The catalog, created over the period, each product with its initial stock.
  const categories = Object.keys(CATALOG) as (keyof typeof CATALOG)[]
  const products: (DemoProduct & { category: string; description: string })[] = Array.from({ length: options.products }, (_, i) => {
    const category = rng.pick(categories)
    const { items, price } = CATALOG[category]
    const item = rng.pick(items)
    const material = rng.pick(MATERIALS)
    const createdAt = start + Math.pow(rng.next(), 2) * (now - start) * 0.8 // most of the catalog is older
    return {
      id: idAt(createdAt),
      sku: `DEMO-${options.skuTag}${String(i + 1).padStart(5, '0')}`,
      name: `${rng.pick(ADJECTIVES)} ${material} ${item.toLowerCase()}`.replace(/^./, (c) => c.toUpperCase()),
      description: `A ${material} ${item.toLowerCase()} for everyday use. Part of our ${category} range; made to last and easy to care for.`,
      category,
      priceCents: Math.round(rng.int(price[0], price[1]) / 50) * 50 - 1,
      stock: rng.next() < 0.06 ? 0 : rng.int(5, 400),
      active: rng.next() >= 0.04,
      createdAt,
    }
  })
  products.sort((a, b) => a.createdAt - b.createdAt)

  // Orders over the period: lines take stock unless the order ends cancelled (then it came back).
  const customers = (await store.activeCustomers()).map((c) => ({ id: c.id, createdAt: Date.parse(c.createdAt) }))
  const orders: {
    id: string
    userId: string
    path: OrderStatus[]
    times: number[]
    note: string | null
    lines: { product: DemoProduct; quantity: number }[]
  }[] = []
  const placedTimes = Array.from({ length: customers.length && products.length ? options.orders : 0 }, () => start + rng.next() * (now - start)).sort(
    (a, b) => a - b,
  )
  const byStatus: Record<string, number> = {}
  // Both lists are in creation order, as are the orders: what exists at an order's time only grows.
  const available: DemoProduct[] = []
  const eligible: typeof customers = []
  let nextProduct = 0
  let nextCustomer = 0
  for (const placed of placedTimes) {
    for (; nextProduct < products.length && products[nextProduct]!.createdAt <= placed; nextProduct++) {
      if (products[nextProduct]!.active) available.push(products[nextProduct]!)
    }
    for (; nextCustomer < customers.length && customers[nextCustomer]!.createdAt <= placed; nextCustomer++) eligible.push(customers[nextCustomer]!)
    if (!available.length) continue
    const customer = eligible.length ? rng.pick(eligible) : customers[0]!
    const path = statusPath(rng, (now - placed) / DAY)
    const cancelled = path[path.length - 1] === 'cancelled'
    const lines: { product: DemoProduct; quantity: number }[] = []
    const lineCount = rng.weighted({ 1: 50, 2: 28, 3: 14, 4: 8 })
    for (let attempt = 0; lines.length < Number(lineCount) && attempt < 10; attempt++) {
      const product = rng.pick(available)
      const quantity = rng.weighted({ 1: 75, 2: 18, 3: 7 })
      if (lines.some((line) => line.product === product) || (!cancelled && product.stock < Number(quantity))) continue
      lines.push({ product, quantity: Number(quantity) })
      if (!cancelled) product.stock -= Number(quantity)
    }
    if (!lines.length) continue
    // Each transition a while after the last, never after now.
    const times = [placed]
    for (let i = 1; i < path.length; i++) {
      const typical = { paid: 0.2 * DAY, shipped: 1.5 * DAY, delivered: 3 * DAY, cancelled: 0.5 * DAY }[path[i] as 'paid']
      const previous = times[i - 1]!
      times.push(previous + Math.min(typical * (0.3 + rng.next()), (now - previous) * rng.next()))
    }
    byStatus[path[path.length - 1]!] = (byStatus[path[path.length - 1]!] ?? 0) + 1
    orders.push({ id: idAt(placed), userId: customer.id, path, times, note: rng.next() < 0.1 ? rng.pick(NOTES) : null, lines })
  }

  await inBatches(products, 'products', (batch) =>
    store.insertProducts(
      batch.map((p) => ({
        id: p.id,
        sku: p.sku,
        name: p.name,
        description: p.description,
        category: p.category,
        priceCents: p.priceCents,
        stock: p.stock,
        active: p.active,
        at: iso(p.createdAt),
      })),
    ),
  )

  let orderLines = 0
  await inBatches(orders, 'orders', (batch) =>
    store.insertOrders(
      batch.map((order) => {
        orderLines += order.lines.length
        return {
          id: order.id,
          userId: order.userId,
          status: order.path[order.path.length - 1]!,
          totalCents: order.lines.reduce((sum, line) => sum + line.product.priceCents * line.quantity, 0),
          currency: options.currency,
          note: order.note,
          createdAt: iso(order.times[0]!),
          updatedAt: iso(order.times[order.times.length - 1]!),
          lines: order.lines.map(({ product, quantity }) => ({
            productId: product.id,
            sku: product.sku,
            name: product.name,
            unitPriceCents: product.priceCents,
            quantity,
          })),
          events: order.path.map((to, i) => ({
            from: i === 0 ? null : order.path[i - 1]!,
            to,
            at: iso(order.times[i]!),
            // The customer places, pays and (mostly) cancels; the shop ships and delivers.
            by: to === 'shipped' || to === 'delivered' || (to === 'cancelled' && i % 2 === 0) ? adminId : order.userId,
          })),
        }
      }),
    ),
  )

  const customerRange: [string, string] | null = newCustomers.length ? [newCustomers[0]!.email, newCustomers[newCustomers.length - 1]!.email] : null
  return { products: products.length, customersCreated: newCustomers.length, customerRange, adminCreated, orders: orders.length, orderLines, byStatus }
}
