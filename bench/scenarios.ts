import { Database } from 'bun:sqlite'
import { LIST_PATH } from './list-query.ts'
import type { PeerName, ServerName } from './servers.ts'
/*
 * The load scenarios of `bun run bench`. Each is measured on Kiosk (the compiled executable on a
 * seeded database) and on each of its `peers` (bench/peers/), in the same rounds; the report gives
 * Kiosk's req/s divided by each peer's, round by round, and the median of those. To add one, append
 * to SCENARIOS: `target` gives wrk the path for the server at hand and, for anything but a plain
 * GET, a Lua script (ctx.lua writes one).
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
  /** Active products in stock (orders cycle over these), in id order. */
  inStockIds: string[]
  /** The product the cached-read scenario reads again and again. */
  hotProductId: string
}

export interface ScenarioContext {
  fixture: Fixture
  server: ServerName
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
  /** The peers that serve an equivalent, each compared with Kiosk within every round. */
  peers: PeerName[]
  /** What is measured, shown in the report. */
  note: string
  /** wrk connections when the run's default does not fit (a login is ~100 ms of argon2id by design). */
  connections?: number
  target(ctx: ScenarioContext): Target | Promise<Target>
}

/**
 * Cycles GET {prefix}{id} over every id in turn: with more ids than cache entries, every read of
 * Kiosk misses. Each wrk run prints where it stopped; the measured run starts half a cycle further
 * (CYCLE_START), so it does not begin on the ids its warm-up just left in the cache.
 */
const cycleScript = (prefix: string, ids: string[]) => `local ids = {
${ids.map((id) => `  "${id}",`).join('\n')}
}
i = tonumber(os.getenv("CYCLE_START") or "0") % #ids
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
request = function()
  i = i % #ids + 1
  return wrk.format("GET", "${prefix}" .. ids[i])
end
function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    print("cycle-position " .. thread:get("i") .. " of " .. #ids)
  end
end
`

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

/**
 * Enough stock for any run, set once before the first round (so every server in every round sees
 * the same catalog): every order is a 201, none a 409 (orders cycle over the products in
 * stock; the ones out of stock stay out, so `in_stock=true` still filters).
 */
export function raiseStock(databasePath: string) {
  const sqlite = new Database(databasePath)
  sqlite.exec('PRAGMA busy_timeout = 5000')
  sqlite.run('UPDATE products SET stock = 100000000 WHERE stock > 0')
  sqlite.close()
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'cached product read',
    peers: ['bun-raw', 'bun-featured', 'node-fastify'],
    note: 'GET /products/{id}, one id: Kiosk answers from its LRU; raw Bun.serve (plain and with the features by hand) from a map of pre-serialised rows; Fastify from a prepared statement',
    target: ({ fixture }) => ({ path: `/products/${fixture.hotProductId}` }),
  },
  {
    name: 'uncached product read',
    peers: ['bun-raw', 'node-fastify'],
    note: 'GET /products/{id} cycling all ids through a cache of 1000 (Kiosk: LRU misses); the peers read the row from a prepared statement each time',
    target: ({ fixture, lua, server }) => {
      const prefix = server === 'bun-raw' ? '/db/products/' : '/products/'
      return { path: prefix, script: lua(`cycle-products-${server}.lua`, cycleScript(prefix, fixture.productIds)) }
    },
  },
  {
    name: 'filtered product page',
    peers: ['bun-raw'],
    note: `GET ${LIST_PATH}; the raw peer prepares the very SQL Kiosk runs for it`,
    target: () => ({ path: LIST_PATH }),
  },
  {
    name: 'login',
    peers: [],
    note: 'POST /token (password grant), 4 connections: one argon2id verification per request, by design',
    connections: 4,
    target: ({ fixture, lua }) => ({ path: '/token', script: lua('login.lua', loginScript(fixture.customerEmails, fixture.password)) }),
  },
  {
    name: 'order creation',
    peers: ['elysia-insert'],
    note: 'POST /orders, one line, cycling products (stock raised first so none runs out), authenticated; the peer inserts one row per request',
    async target(ctx) {
      if (ctx.server !== 'kiosk') return { path: '/orders', script: ctx.lua('orders-peer.lua', orderScript('unused', ctx.fixture.inStockIds)) }
      // raiseStock ran before the first round, so every order is a 201, none a 409.
      return { path: '/orders', script: ctx.lua('orders.lua', orderScript(await customerToken(ctx), ctx.fixture.inStockIds)) }
    },
  },
]
