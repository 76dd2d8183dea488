import { hashPassword } from '../modules/users/service.ts'
import type { Database } from 'bun:sqlite'
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

export async function seedDemo(sqlite: Database, clock: Clock, options: DemoOptions, progress: Progress): Promise<DemoResult> {
  const rng = random(options.seed)
  const now = clock.now().getTime()
  const start = now - options.months * 30 * DAY
  const iso = (ms: number) => new Date(ms).toISOString()
  const idAt = (ms: number) => Bun.randomUUIDv7('hex', Math.floor(ms))
  const inBatches = <T>(items: T[], label: string, write: (item: T) => void) => {
    const step = progress.step(label, items.length)
    const transaction = sqlite.transaction((batch: T[]) => batch.forEach(write))
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH)
      transaction.immediate(batch)
      step.advance(batch.length)
    }
    step.done(`${items.length} inserted`)
  }

  // Accounts: one administrator and the customers, all with the one printed password.
  const passwordHash = await hashPassword(options.password)
  const insertUser = sqlite.prepare<void, [string, string, string, string, string, string, string]>(
    `INSERT OR IGNORE INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?)`,
  )
  const adminCreated =
    sqlite.transaction(() => {
      const at = iso(start - DAY)
      insertUser.run(idAt(start - DAY), 'admin@kiosk.local', 'Demo Admin', passwordHash, 'admin', at, at)
      return sqlite.query<{ n: number }, []>('SELECT changes() AS n').get()!.n === 1
    })()
  const adminId = sqlite.query<{ id: string }, [string]>('SELECT id FROM users WHERE email = ?').get('admin@kiosk.local')!.id

  const existingCustomers = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM users WHERE email LIKE 'customer%@kiosk.local'").get()!.n
  const newCustomers = Array.from({ length: options.users }, (_, i) => {
    const createdAt = start + rng.next() * (now - start) * 0.9
    const number = existingCustomers + i + 1
    return { id: idAt(createdAt), email: `customer${number}@kiosk.local`, name: `${rng.pick(FIRST)} ${rng.pick(LAST)}`, createdAt }
  })
  inBatches(newCustomers, 'users', (c) => insertUser.run(c.id, c.email, c.name, passwordHash, 'user', iso(c.createdAt), iso(c.createdAt)))

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
  const customers = sqlite
    .query<{ id: string; created_at: string }, []>("SELECT id, created_at FROM users WHERE role = 'user' AND active = 1 ORDER BY created_at")
    .all()
    .map((c) => ({ id: c.id, createdAt: Date.parse(c.created_at) }))
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

  const insertProduct = sqlite.prepare<void, [string, string, string, string, string, number, number, number, string, string]>(
    `INSERT INTO products (id, sku, name, description, category, price_cents, stock, active, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  inBatches(products, 'products', (p) =>
    insertProduct.run(p.id, p.sku, p.name, p.description, p.category, p.priceCents, p.stock, p.active ? 1 : 0, iso(p.createdAt), iso(p.createdAt)),
  )

  const insertOrder = sqlite.prepare<void, [string, string, string, number, string, string | null, string, string]>(
    'INSERT INTO orders (id, user_id, status, total_cents, currency, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertItem = sqlite.prepare<void, [string, number, string, string, string, number, number, number]>(
    'INSERT INTO order_items (order_id, position, product_id, sku, name, unit_price_cents, quantity, line_total_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  )
  const insertEvent = sqlite.prepare<void, [string, string | null, string, string, string]>(
    'INSERT INTO order_events (order_id, from_status, to_status, at, by) VALUES (?, ?, ?, ?, ?)',
  )
  let orderLines = 0
  inBatches(orders, 'orders', (order) => {
    const total = order.lines.reduce((sum, line) => sum + line.product.priceCents * line.quantity, 0)
    const status = order.path[order.path.length - 1]!
    insertOrder.run(order.id, order.userId, status, total, options.currency, order.note, iso(order.times[0]!), iso(order.times[order.times.length - 1]!))
    order.lines.forEach(({ product, quantity }, position) => {
      insertItem.run(order.id, position, product.id, product.sku, product.name, product.priceCents, quantity, product.priceCents * quantity)
      orderLines++
    })
    order.path.forEach((to, i) => {
      // The customer places, pays and (mostly) cancels; the shop ships and delivers.
      const by = to === 'shipped' || to === 'delivered' || (to === 'cancelled' && i % 2 === 0) ? adminId : order.userId
      insertEvent.run(order.id, i === 0 ? null : order.path[i - 1]!, to, iso(order.times[i]!), by)
    })
  })

  const customerRange: [string, string] | null = newCustomers.length ? [newCustomers[0]!.email, newCustomers[newCustomers.length - 1]!.email] : null
  return { products: products.length, customersCreated: newCustomers.length, customerRange, adminCreated, orders: orders.length, orderLines, byStatus }
}
