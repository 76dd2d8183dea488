import { Database } from 'bun:sqlite'
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
  /** wrk connections when the run's default does not fit (a login is ~100 ms of argon2id by design). */
  connections?: number
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

/** A bearer token for the first demo customer, from the server's own token endpoint. */
async function customerToken(ctx: ScenarioContext): Promise<string> {
  const response = await fetch(`${ctx.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: ctx.fixture.customerEmails[0]!, password: ctx.fixture.password }).toString(),
  })
  if (response.status !== 200) throw new Error(`bench login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

const loginScript = (emails: string[], password: string) => `local emails = {
${emails.map((email) => `  "${encodeURIComponent(email)}",`).join('\n')}
}
local i = 0
request = function()
  i = i % #emails + 1
  return wrk.format("POST", "/token", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "grant_type=password&username=" .. emails[i] .. "&password=${encodeURIComponent(password)}")
end
`

const orderScript = (token: string, ids: string[]) => `local ids = {
${ids.map((id) => `  "${id}",`).join('\n')}
}
local i = 0
request = function()
  i = i % #ids + 1
  return wrk.format("POST", "/orders", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${token}" },
    '{"items":[{"product_id":"' .. ids[i] .. '","quantity":1}]}')
end
`

SCENARIOS.push(
  {
    name: 'login',
    baseline: false,
    note: 'POST /token (password grant), 4 connections: one argon2id verification per request, by design',
    connections: 4,
    target: ({ fixture, lua }) => ({ path: '/token', script: lua('login.lua', loginScript(fixture.customerEmails, fixture.password)) }),
  },
  {
    name: 'order creation',
    baseline: false,
    note: 'POST /orders, one line, cycling products (stock raised first so none runs out)',
    async target(ctx) {
      // Enough stock for any run: every order is a 201, none a 409. The server's WAL connection sees it at once.
      const sqlite = new Database(ctx.fixture.databasePath)
      sqlite.exec('PRAGMA busy_timeout = 5000')
      sqlite.run('UPDATE products SET stock = 100000000')
      sqlite.close()
      return { path: '/orders', script: ctx.lua('orders.lua', orderScript(await customerToken(ctx), ctx.fixture.productIds)) }
    },
  },
)
