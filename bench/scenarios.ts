/*
 * The load scenarios of `bun run bench`. Each is measured on Kiosk (the compiled executable on a
 * seeded database) and, when `baseline` is true, on the raw Bun.serve of bench/baseline.ts, in
 * the same rounds. To add one (login, order creation...), append to SCENARIOS: `target` gives
 * wrk the path and, for anything but a plain GET, a Lua script (ctx.lua writes one).
 */

/** What the seeded database holds, for scenarios to aim at. */
export interface Fixture {
  dataDir: string
  databasePath: string
  /** Password of every demo account (admin@kiosk.local, customer<i>@kiosk.local). */
  password: string
  customerEmails: string[]
  /** Active products, in id order. */
  productIds: string[]
  /** The product the cached-read scenario reads again and again. */
  hotProductId: string
}

export interface ScenarioContext {
  fixture: Fixture
  server: 'kiosk' | 'baseline'
  /** Base URL of the server under load. */
  url: string
  /** Writes a wrk Lua script into the run's folder and returns its path. */
  lua(name: string, source: string): string
}

export interface Target {
  path: string
  script?: string
}

export interface Scenario {
  name: string
  /** Whether the raw Bun.serve baseline serves an equivalent (a ratio is reported only then). */
  baseline: boolean
  /** Server settings this scenario relies on, shown in the report. */
  note?: string
  target(ctx: ScenarioContext): Target | Promise<Target>
}

/** Cycles GET /products/{id} over every id in turn: with more ids than cache entries, every read misses. */
const cycleScript = (ids: string[]) => `local ids = {
${ids.map((id) => `  "${id}",`).join('\n')}
}
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/products/" .. ids[i])
end
`

export const LIST_PATH = '/products?category=kitchen&in_stock=true&min_price=1000&sort=price&limit=20'

export const SCENARIOS: Scenario[] = [
  {
    name: 'cached product read',
    baseline: true,
    note: 'GET /products/{id}, one id: LRU hits',
    target: ({ fixture }) => ({ path: `/products/${fixture.hotProductId}` }),
  },
  {
    name: 'uncached product read',
    baseline: true,
    note: 'GET /products/{id} cycling all ids through a cache of 1000: LRU misses',
    target: ({ fixture, lua }) => ({ path: '/products', script: lua('cycle-products.lua', cycleScript(fixture.productIds)) }),
  },
  {
    name: 'filtered list',
    baseline: true,
    note: `GET ${LIST_PATH}`,
    target: () => ({ path: LIST_PATH }),
  },
]
