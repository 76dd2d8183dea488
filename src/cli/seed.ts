import { parseArgs } from 'node:util'
import type { Config } from '../config.ts'
import { migrateDatabase, openConfiguredDatabase } from '../db/database.ts'
import { createDemoStoreFor } from '../db/demo-store.ts'
import { systemClock, type Clock } from '../lib/clock.ts'
import { seedDemo, type DemoOptions } from './demo-data.ts'
import { createProgress, type Progress } from './progress.ts'

export const SEED_USAGE = 'seed --demo [--products N] [--users N] [--orders N] [--months M] [--password P] [--seed S] [--force]'

export const SEED_HELP = `Usage: kiosk ${SEED_USAGE}

Fills the database with demo data: a catalog, customers, the administrator admin@kiosk.local,
and months of orders with their lines and status history (stock consistent with them).

  --products N   products (default 1000)
  --users N      customers, customer<i>@kiosk.local (default 50)
  --orders N     orders spread over the period (default 2000)
  --months M     length of the order history, ending now (default 6)
  --password P   password of the demo accounts (default: generated and printed)
  --seed S       random seed, for the same data again (default 1)
  --force        seed even though the catalog has products: adds the demo data alongside them
                 (new skus; nothing existing is changed or deleted)
`

export const SEED_OPTIONS = {
  demo: { type: 'boolean' },
  products: { type: 'string' },
  users: { type: 'string' },
  orders: { type: 'string' },
  months: { type: 'string' },
  password: { type: 'string' },
  seed: { type: 'string' },
  force: { type: 'boolean' },
} as const

const COUNT_LIMITS = { products: 1_000_000, users: 100_000, orders: 2_000_000, months: 120, seed: 4_294_967_295 }

function count(name: keyof typeof COUNT_LIMITS, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) > COUNT_LIMITS[name] || (name === 'months' && Number(raw) < 1)) {
    throw new Error(`--${name} must be an integer from ${name === 'months' ? 1 : 0} to ${COUNT_LIMITS[name]}, got "${raw}"`)
  }
  return Number(raw)
}

/** `kiosk seed --demo ...`; returns the exit code. */
export async function seedCommand(
  config: Config,
  args: string[],
  io: { clock?: Clock; progress?: Progress; log?: (line: string) => void } = {},
): Promise<number> {
  const log = io.log ?? ((line: string) => console.log(line))
  let options: DemoOptions & { force: boolean }
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      options: { ...SEED_OPTIONS, help: { type: 'boolean', short: 'h' } },
    })
    if (values.help) {
      log(SEED_HELP)
      return 0
    }
    if (!values.demo) throw new Error('only demo data can be seeded: pass --demo')
    if (values.password !== undefined && values.password.length < 8) throw new Error('--password must be at least 8 characters')
    options = {
      products: count('products', values.products, 1000),
      users: count('users', values.users, 50),
      orders: count('orders', values.orders, 2000),
      months: count('months', values.months, 6),
      password: values.password ?? Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('base64url'),
      seed: count('seed', values.seed, 1),
      currency: config.STORE_CURRENCY,
      force: values.force ?? false,
      skuTag: '',
    }
  } catch (error) {
    console.error(`kiosk seed: ${(error as Error).message}\n\n${SEED_HELP}`)
    return 2
  }

  const clock = io.clock ?? systemClock
  const database = openConfiguredDatabase(config)
  try {
    await migrateDatabase(database)
    const store = createDemoStoreFor(database)
    const existing = await store.countProducts()
    if (existing > 0 && !options.force) {
      console.error(
        `kiosk seed: the catalog already has ${existing} products, so nothing was seeded.\n` +
          'Run with --force to add the demo data alongside them (new skus; nothing existing is changed or deleted).',
      )
      return 1
    }
    if (existing > 0) {
      // A second batch of demo products gets skus of its own.
      options.skuTag = `${clock.now().getTime().toString(36).toUpperCase()}-`
      log(`the catalog has ${existing} products; --force: adding the demo data alongside them`)
    }
    const started = performance.now()
    const result = await seedDemo(store, clock, options, io.progress ?? createProgress())
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const statuses = Object.entries(result.byStatus)
      .sort()
      .map(([status, n]) => `${status} ${n}`)
      .join(', ')
    log(
      `seeded in ${seconds} s: ${result.products} products, ${result.customersCreated} customers, ` +
        `${result.orders} orders with ${result.orderLines} lines over ${options.months} months (${statuses || 'none'})`,
    )
    log(
      result.adminCreated
        ? `administrator: admin@kiosk.local, password: ${options.password}`
        : 'administrator: admin@kiosk.local already existed; its password is unchanged',
    )
    if (result.customerRange) log(`customers: ${result.customerRange.join(' … ')}, password: ${options.password}`)
    return 0
  } finally {
    await database.close()
  }
}
