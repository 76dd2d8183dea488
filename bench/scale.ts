/**
 * Cost as the data grows: `bun run bench:scale` (or `bun run bench --scale`). Seeds databases of
 * growing size through `kiosk seed` (so seeding speed is measured too), starts the compiled
 * executable on each, and measures single requests one after another (p50/p99 of as many as fit
 * in --seconds, at most --samples):
 *
 *   products series (--products, default 10000,100000,1000000; 1,000 orders each):
 *     search `q=` with the word found in most products, a common name word and a rare name word,
 *     the filtered sorted product page of `bun run bench`, and a deep cursor page (90% into `sort=price`)
 *   orders series (--orders, default 100000,1000000; 10,000 products, 2,000 customers, 12 months):
 *     the admin 12-month summary (each request a slightly different range: a summary is cached 30 s
 *     per range), the 12-month orders CSV export in rows/s, and the p99 of a cached product read
 *     under wrk load alone, while summaries run back to back, and while exports run back to back
 *
 *   bun run bench:scale [--products 10000,100000] [--orders 100000] [--seconds 5] [--samples 200] [--connections 20]
 *
 * Writes bench/results/scale-<timestamp>.json and prints a table. Big sizes take long (1M orders:
 * minutes of seeding, GBs of disk in a temp folder removed after each size); on a shared machine
 * run it under `nice -n 19`.
 */
import { Database } from 'bun:sqlite'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { LIST_PATH } from './list-query.ts'
import { BENCH_SECRET, EXECUTABLE, LOAD_CPU, ROOT, SERVER_CPU, startServer, type Server, type ServerFiles } from './servers.ts'
import { scaleTables } from './tables.ts'
import { ensureWrk, median, pinned, pinSelf, run, runWrk, type WrkResult } from './tools.ts'

const { values: flags } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--scale'),
  options: {
    products: { type: 'string', default: '10000,100000,1000000' },
    orders: { type: 'string', default: '100000,1000000' },
    seconds: { type: 'string', default: '5' },
    samples: { type: 'string', default: '200' },
    connections: { type: 'string', default: '20' },
    rebuild: { type: 'boolean', default: false },
  },
})
const sizes = (raw: string) => (raw === '' || raw === 'none' ? [] : raw.split(',').map((n) => Number(n.replaceAll('_', ''))))
const productSizes = sizes(flags.products)
const orderSizes = sizes(flags.orders)
const seconds = Number(flags.seconds)
const maxSamples = Number(flags.samples)
const connections = Number(flags.connections)
const PASSWORD = 'bench-password'
const ORDERS_SERIES_PRODUCTS = 10_000
const ORDERS_SERIES_USERS = 2_000

// --- measuring ---------------------------------------------------------------------------------
interface Latency {
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  samples: number
  /** Set when a request failed (the figures are then of the requests before it, if any). */
  error?: string
}

/** p-th percentile by nearest rank (with few samples the p99 is the slowest one: said by `samples`). */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
const round2 = (n: number) => Math.round(n * 100) / 100

function latency(durations: number[], error?: string): Latency {
  const sorted = [...durations].sort((a, b) => a - b)
  if (!sorted.length) return { p50Ms: null, p99Ms: null, maxMs: null, samples: 0, error }
  const figures = { p50Ms: round2(percentile(sorted, 50)), p99Ms: round2(percentile(sorted, 99)), maxMs: round2(sorted[sorted.length - 1]!), samples: sorted.length }
  return error ? { ...figures, error } : figures
}

async function expectOk(response: Response, what: string) {
  if (response.status !== 200) throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 500)}`)
}

/** Requests one after another (after one unmeasured warm-up) until the time budget or the sample cap. */
async function sequential(what: string, url: (i: number) => string, headers: Record<string, string> = {}): Promise<Latency> {
  const once = async (i: number) => {
    const started = performance.now()
    const response = await fetch(url(i), { headers })
    await expectOk(response, what)
    await response.arrayBuffer()
    return performance.now() - started
  }
  const durations: number[] = []
  try {
    await once(-1)
    const deadline = performance.now() + seconds * 1000
    for (let i = 0; durations.length < maxSamples && (durations.length < 3 || performance.now() < deadline); i++) durations.push(await once(i))
  } catch (error) {
    // One failed query (a 5xx, a dropped connection) is a finding: recorded, and the run goes on.
    console.log(`  ${what} failed: ${(error as Error).message}`)
    return latency(durations, (error as Error).message)
  }
  return latency(durations)
}

/** Reads a CSV response to its end; data rows (LFs minus the header's) and the seconds it took. */
async function exportOnce(url: string, headers: Record<string, string>) {
  const started = performance.now()
  const response = await fetch(url, { headers })
  await expectOk(response, 'orders.csv')
  let newlines = 0
  let bytes = 0
  const reader = response.body!.getReader()
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    bytes += part.value.byteLength
    for (let i = 0; i < part.value.length; i++) if (part.value[i] === 10) newlines++
  }
  return { rows: Math.max(0, newlines - 1), bytes, seconds: (performance.now() - started) / 1000 }
}

/** wrk on the cached product read while `background(i)` runs again and again; wrk's figures. */
async function cachedReadWhile(server: Server, productId: string, runSeconds: number, background?: (i: number) => Promise<unknown>) {
  let done = false
  let runs = 0
  let failure: string | undefined
  const loop = (async () => {
    if (!background) return
    for (let i = 0; !done; i++) {
      try {
        await background(i)
        runs++
      } catch (error) {
        failure = (error as Error).message
        return
      }
    }
  })()
  await Bun.sleep(background ? 50 : 0) // let the first background request start
  let load: WrkResult
  try {
    // A long timeout, so a read stalled behind the export is measured, not dropped.
    load = await runWrk({ url: `${server.url}/products/${productId}`, seconds: runSeconds, connections, cpu: LOAD_CPU, timeoutSeconds: 60 })
  } finally {
    done = true
    await loop
  }
  return { requestsPerSecond: Math.round(load.requestsPerSecond), p50Ms: load.p50Ms, p99Ms: load.p99Ms, errors: load.errors, backgroundRuns: runs, seconds: runSeconds, ...(failure ? { backgroundError: failure } : {}) }
}

// --- seeding -----------------------------------------------------------------------------------
async function seed(products: number, orders: number, users: number) {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-scale-'))
  console.log(`seeding ${products.toLocaleString('en-US')} products, ${orders.toLocaleString('en-US')} orders into ${dir} ...`)
  const started = performance.now()
  const argv = [EXECUTABLE, 'seed', '--demo', '--products', String(products), '--users', String(users), '--orders', String(orders), '--months', '12', '--password', PASSWORD]
  const output = await run(pinned(SERVER_CPU, argv), { cwd: dir, env: { DATA_DIR: dir, JWT_SECRET: BENCH_SECRET } })
  const wallSeconds = (performance.now() - started) / 1000
  const line = /seeded in ([\d.]+) s: (\d+) products, \d+ customers, (\d+) orders with (\d+) lines/.exec(output)
  const databasePath = join(dir, 'kiosk.db')
  const lines = line ? Number(line[4]) : null
  const seeding = {
    wallSeconds: round2(wallSeconds),
    reportedSeconds: line ? Number(line[1]) : null,
    products,
    orders,
    orderLines: lines,
    productsPerSecond: Math.round(products / wallSeconds),
    ordersPerSecond: Math.round(orders / wallSeconds),
    databaseMiB: Math.round(statSync(databasePath).size / 2 ** 20),
  }
  console.log(`  seeded in ${seeding.wallSeconds} s (${seeding.databaseMiB} MiB)`)
  const files: ServerFiles = { dataDir: dir, databasePath, listQueryFile: '', insertDatabasePath: '', cacheEntries: 10_000 }
  return { dir, databasePath, files, seeding }
}

/** The word in most products, the commonest word of names and the rarest word of names, with how many products match each. */
function searchWords(databasePath: string) {
  const sqlite = new Database(databasePath, { readonly: true })
  try {
    const rows = sqlite.query<{ name: string; description: string }, []>('SELECT name, description FROM products WHERE active = 1 LIMIT 20000').all()
    const count = (texts: string[]) => {
      const counts = new Map<string, number>()
      for (const text of texts) for (const word of new Set(text.toLowerCase().match(/\p{L}{3,}/gu) ?? [])) counts.set(word, (counts.get(word) ?? 0) + 1)
      return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    }
    const all = count(rows.map((r) => `${r.name} ${r.description}`))
    const names = count(rows.map((r) => r.name))
    const matches = (word: string) => sqlite.query<{ n: number }, [string]>('SELECT count(*) AS n FROM products_fts WHERE products_fts MATCH ?').get(`"${word}"`)!.n
    const pick = (word: string) => ({ word, matchingProducts: matches(word) })
    return { inMostProducts: pick(all[0]![0]), commonNameWord: pick(names[0]![0]), rareNameWord: pick(names[names.length - 1]![0]) }
  } finally {
    sqlite.close()
  }
}

/**
 * A cursor 90% into `GET /products?sort=price`: Kiosk's cursor is base64url JSON of [tag, price, id];
 * the tag is taken from a real first page and the key from the row at that depth. Should the
 * format change, the cursor is found by walking pages of 100 instead (and the depth says so).
 */
async function deepCursor(server: Server, databasePath: string) {
  const base = `${server.url}/products?sort=price&limit=20`
  const first = (await (await fetch(base)).json()) as { next_cursor: string | null }
  const sqlite = new Database(databasePath, { readonly: true })
  const active = sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM products WHERE active = 1').get()!.n
  const depth = Math.floor(active * 0.9)
  const row = sqlite.query<{ price_cents: number; id: string }, [number]>('SELECT price_cents, id FROM products WHERE active = 1 ORDER BY price_cents, id LIMIT 1 OFFSET ?').get(depth)
  sqlite.close()
  try {
    const key = JSON.parse(Buffer.from(first.next_cursor!, 'base64url').toString('utf8')) as unknown[]
    if (key.length === 3 && typeof key[0] === 'string' && typeof key[1] === 'number' && row) {
      const cursor = Buffer.from(JSON.stringify([key[0], row.price_cents, row.id])).toString('base64url')
      const check = await fetch(`${base}&cursor=${cursor}`)
      if (check.status === 200 && ((await check.json()) as { items: unknown[] }).items.length > 0) return { cursor, depth, how: 'crafted at 90%' }
    }
  } catch {
    // not the format this expects: walk instead
  }
  let cursor = first.next_cursor
  let walked = 20
  for (let page = 0; page < 50 && cursor; page++) {
    const next = (await (await fetch(`${server.url}/products?sort=price&limit=100&cursor=${cursor}`)).json()) as { next_cursor: string | null }
    if (!next.next_cursor) break
    cursor = next.next_cursor
    walked += 100
  }
  return { cursor: cursor!, depth: walked, how: 'walked pages of 100' }
}

async function adminToken(server: Server) {
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'admin@kiosk.local', password: PASSWORD }).toString(),
  })
  await expectOk(response, 'admin login')
  return ((await response.json()) as { access_token: string }).access_token
}

// --- the two series ----------------------------------------------------------------------------
async function productsStep(products: number) {
  const { dir, databasePath, files, seeding } = await seed(products, 1_000, 50)
  const words = searchWords(databasePath)
  const server = await startServer('kiosk', files, { ACCESS_TOKEN_TTL: '2h' })
  try {
    const deep = await deepCursor(server, databasePath)
    const search = async (word: string) => sequential(`q=${word}`, () => `${server.url}/products?q=${encodeURIComponent(word)}&limit=20`)
    const result = {
      size: { products, orders: 1_000 },
      seeding,
      startMs: round2(server.startMs),
      search: {
        inMostProducts: { ...words.inMostProducts, ...(await search(words.inMostProducts.word)) },
        commonNameWord: { ...words.commonNameWord, ...(await search(words.commonNameWord.word)) },
        rareNameWord: { ...words.rareNameWord, ...(await search(words.rareNameWord.word)) },
      },
      filteredPage: { path: LIST_PATH, ...(await sequential('filtered page', () => `${server.url}${LIST_PATH}`)) },
      deepCursorPage: {
        path: '/products?sort=price&limit=20&cursor=…',
        depth: deep.depth,
        how: deep.how,
        ...(await sequential('deep cursor page', () => `${server.url}/products?sort=price&limit=20&cursor=${deep.cursor}`)),
      },
    }
    return result
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function ordersStep(orders: number) {
  const { dir, databasePath, files, seeding } = await seed(ORDERS_SERIES_PRODUCTS, orders, ORDERS_SERIES_USERS)
  const sqlite = new Database(databasePath, { readonly: true })
  const hotProductId = sqlite.query<{ id: string }, []>('SELECT id FROM products WHERE active = 1 ORDER BY id LIMIT 1').get()!.id
  sqlite.close()
  const server = await startServer('kiosk', files, { ACCESS_TOKEN_TTL: '2h' })
  try {
    const auth = { authorization: `Bearer ${await adminToken(server)}` }
    // The 365 UTC days up to today; the `from` instant moves by 1 ms per request, so none is a cache hit.
    const today = new Date().toISOString().slice(0, 10)
    const firstDay = new Date(Date.parse(`${today}T00:00:00Z`) - 364 * 86_400_000).toISOString().slice(0, 10)
    const summaryUrl = (i: number) => `${server.url}/admin/reports/summary?from=${firstDay}T00:00:00.${String((i + 1000) % 1000).padStart(3, '0')}Z&to=${today}`
    let summaryCount = 0
    const summaryOnce = async (i: number) => {
      const response = await fetch(summaryUrl(500 + (i % 400)), { headers: auth })
      await expectOk(response, 'summary')
      await response.arrayBuffer()
      summaryCount++
    }
    const csvUrl = `${server.url}/admin/reports/orders.csv?from=${firstDay}&to=${today}`
    const summary = await sequential('summary', (i) => summaryUrl(i % 500), auth)
    const exports: Awaited<ReturnType<typeof exportOnce>>[] = []
    let exportError: string | undefined
    const exportDeadline = performance.now() + seconds * 1000
    try {
      do exports.push(await exportOnce(csvUrl, auth))
      while (exports.length < 3 && performance.now() < exportDeadline)
    } catch (error) {
      exportError = (error as Error).message
      console.log(`  orders.csv failed: ${exportError}`)
    }
    const rowsPerSecond = median(exports.map((e) => e.rows / e.seconds))
    // Long enough for a few background runs even when one takes seconds.
    const busySeconds = (ms: number) => Math.max(seconds, Math.ceil((ms * 3) / 1000))
    const alone = await cachedReadWhile(server, hotProductId, seconds)
    const duringSummary = await cachedReadWhile(server, hotProductId, busySeconds(summary.p50Ms ?? 1000), summaryOnce)
    const duringExport = await cachedReadWhile(server, hotProductId, busySeconds(exports.length ? median(exports.map((e) => e.seconds * 1000)) : 1000), () => exportOnce(csvUrl, auth))
    return {
      size: { products: ORDERS_SERIES_PRODUCTS, orders, orderLines: seeding.orderLines },
      seeding,
      startMs: round2(server.startMs),
      summary12Months: { path: '/admin/reports/summary?from=…&to=… (365 days)', ...summary },
      csvExport12Months: {
        path: '/admin/reports/orders.csv (365 days)',
        rows: exports[0]?.rows ?? null,
        mib: exports[0] ? round2(exports[0].bytes / 2 ** 20) : null,
        medianSeconds: exports.length ? round2(median(exports.map((e) => e.seconds))) : null,
        rowsPerSecond: exports.length ? Math.round(rowsPerSecond) : null,
        runs: exports.length,
        ...(exportError ? { error: exportError } : {}),
      },
      cachedReadP99: {
        path: `/products/{id} (LRU hit), wrk -t1 -c${connections}`,
        alone,
        duringSummaries: { ...duringSummary, summariesRun: summaryCount },
        duringExports: duringExport,
      },
    }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

// --- run ---------------------------------------------------------------------------------------
// This process reads the exports and times the requests: on wrk's CPU, not the server's.
pinSelf(LOAD_CPU)
await ensureWrk()
if (flags.rebuild || !existsSync(EXECUTABLE)) {
  console.log('building dist/kiosk ...')
  await run(['bun', 'run', 'build'], { cwd: ROOT })
}
const started = performance.now()
const productsSeries = []
for (const products of productSizes) productsSeries.push(await productsStep(products))
const ordersSeries = []
for (const orders of orderSizes) ordersSeries.push(await ordersStep(orders))

console.log(`\nsequential single requests for ${seconds} s (at most ${maxSamples}) per query; ${((performance.now() - started) / 1000).toFixed(0)} s in all`)

const timestamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsDir = join(ROOT, 'bench/results')
mkdirSync(resultsDir, { recursive: true })
const report = {
  kind: 'bench:scale' as const,
  timestamp: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, platform: `${process.platform} ${process.arch}` },
  settings: { seconds, maxSamples, connections, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, productSizes, orderSizes, method: 'sequential single requests over loopback; nearest-rank percentiles' },
  productsSeries,
  ordersSeries,
}
const file = join(resultsDir, `scale-${timestamp}.json`)
console.log(`\n${scaleTables(report)}`)
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
console.log(`written to bench/results/scale-${timestamp}.json`)
