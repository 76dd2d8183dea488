/**
 * `bun run bench`: load-tests the compiled executable on a seeded database against its peers
 * (bench/peers/: a raw Bun.serve + bun:sqlite server, Node + Fastify 5 + better-sqlite3, a bare
 * Elysia one-row insert), one server at a time, the order of the servers rotated every round;
 * prints one table (medians over rounds, Kiosk ÷ peer taken within each round) and writes it as
 * JSON to bench/results/<timestamp>.json. Not a test.
 *
 *   bun run bench [--rounds 3] [--seconds 5] [--warmup 2] [--connections 50] [--only NAME]
 *                 [--skip PEER] [--rebuild] [--against EXECUTABLE] [--postgres URL|off]
 *   --against measures a second Kiosk executable (say, a build of another branch) in the same rounds,
 *   as one more peer of every scenario: its `kioskRatio` is this build ÷ that one.
 *   --workers N (default 2; 1 turns it off) measures this build with KIOSK_WORKERS=N as one more peer. Those
 *   workers are not pinned: on a 2-core machine they compete with wrk for the second core (say so next to the figures).
 *   --postgres (default: KIOSK_TEST_POSTGRES_URL, else the local server of scripts/postgres.sh when it answers)
 *   measures this build on a PostgreSQL copy of the bench data as one more peer of the read and order scenarios.
 *   --replicas N (default 2; 1 turns it off) measures N replicas of this build on that PostgreSQL copy, each on its own
 *   port and DATA_DIR, as one more peer of the cached read and order creation: wrk can't balance ports, so one wrk per
 *   replica runs at the same time (the connections split between them) and their rates are added; no proxy hop is
 *   measured. The replicas, PostgreSQL and the wrk processes share the machine's cores (say so next to the figures).
 *   bun run bench --scale ...   (or `bun run bench:scale`): the cost-as-data-grows section, bench/scale.ts
 *
 * The server is pinned to CPU 0 and wrk to CPU 1 (taskset) when the machine has both. Numbers on
 * a shared machine move a lot between runs: compare the ratios of one run, not runs.
 */
import { Database } from 'bun:sqlite'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildFloor, measureColdStarts, type ColdStart } from './coldstart.ts'
import { captureListQuery, LIST_PATH } from './list-query.ts'
import { copyToPostgres, type BenchPostgres } from './postgres.ts'
import { raiseStock, SCENARIOS, type Fixture, type Scenario, type ScenarioContext } from './scenarios.ts'
import { BENCH_SECRET, EXECUTABLE, isKiosk, LOAD_CPU, prepareNodePeer, ROOT, SERVER_CPU, SERVER_LABELS, startServer, type PeerName, type Server, type ServerFiles, type ServerName } from './servers.ts'
import { benchTables } from './tables.ts'
import { ensureWrk, median, peakRssMiB, pinned, pinSelf, resetPeakRss, run, runWrk, type WrkResult } from './tools.ts'

if (process.argv.includes('--scale')) {
  await import('./scale.ts')
  process.exit(0)
}

/** Fewer cache entries than seeded products, so cycling through all of them always misses. */
const CACHE_ENTRIES = 1000
const PRODUCTS = 5000

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    skip: { type: 'string', multiple: true, default: [] },
    rebuild: { type: 'boolean', default: false },
    against: { type: 'string' },
    workers: { type: 'string', default: '2' },
    postgres: { type: 'string' },
    replicas: { type: 'string', default: '2' },
  },
})
const rounds = Number(flags.rounds)
const seconds = Number(flags.seconds)
const warmup = Number(flags.warmup)
const connections = Number(flags.connections)
const scenarios = SCENARIOS.filter((s) => !flags.only || s.name.includes(flags.only))

interface Sample extends WrkResult {
  rssMiB: number | null
  cacheHitRatio?: number
}

/** Product cache hits and misses so far, from Kiosk's /metrics. */
async function cacheLookups(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text()
  const read = (result: string) => Number(new RegExp(`cache_lookups_total\\{cache="product",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  return { hits: read('hit'), misses: read('miss') }
}

/** Product cache lookups summed over every address of a server (the replicas keep a cache each). */
async function cacheLookupsOf(urls: string[]) {
  const each = await Promise.all(urls.map(cacheLookups))
  return { hits: each.reduce((sum, c) => sum + c.hits, 0), misses: each.reduce((sum, c) => sum + c.misses, 0) }
}

/**
 * wrk runs made at the same time against the replicas, as one: requests and rates added; wrk prints
 * percentiles, not its histogram, so p50/p99 are the worse run's (an upper bound of the combined one).
 */
function combined(runs: WrkResult[]): WrkResult {
  if (runs.length === 1) return runs[0]!
  return {
    requestsPerSecond: runs.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    requests: runs.reduce((sum, r) => sum + r.requests, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  }
}

async function measure(server: Server, scenario: Scenario, ctx: Omit<ScenarioContext, 'server' | 'url'>): Promise<Sample> {
  const target = await scenario.target({ ...ctx, server: isKiosk(server.name) ? 'kiosk' : server.name, url: server.url })
  for (const url of server.urls) {
    const check = await fetch(`${url}${target.script ? '/health/live' : target.path}`)
    if (check.status !== 200) throw new Error(`${server.name} answered ${check.status} to ${target.path}`)
  }
  // One wrk per address, all at once (wrk balances nothing), each with its share of the connections.
  const total = scenario.connections ?? connections
  const loads = server.urls.map((url, i) => ({
    url: `${url}${target.path}`,
    connections: Math.floor(total / server.urls.length) + (i < total % server.urls.length ? 1 : 0),
    cpu: LOAD_CPU,
    script: target.script,
  }))
  const [warm] = await Promise.all(loads.map((load) => runWrk({ ...load, seconds: warmup })))
  // A cycling script says where its warm-up stopped: the measured run starts half a cycle away.
  const position = /cycle-position (\d+) of (\d+)/.exec(warm!.output)
  const env = position ? { CYCLE_START: String(Number(position[1]) + Math.floor(Number(position[2]) / 2)) } : undefined
  for (const child of server.processes) resetPeakRss(child.pid)
  const before = isKiosk(server.name) ? await cacheLookupsOf(server.urls) : undefined
  const runs = await Promise.all(loads.map((load) => runWrk({ ...load, seconds, env })))
  const result = combined(runs.map(({ output: _, ...run }) => run))
  // The replicas' memory is what they take together.
  const peaks = server.processes.map((child) => peakRssMiB(child.pid))
  const rssMiB = peaks.includes(null) ? null : peaks.reduce<number>((sum, peak) => sum + peak!, 0)
  if (!before) return { ...result, rssMiB }
  const after = await cacheLookupsOf(server.urls)
  const lookups = after.hits - before.hits + (after.misses - before.misses)
  return { ...result, rssMiB, cacheHitRatio: lookups ? (after.hits - before.hits) / lookups : undefined }
}

// --- set-up ----------------------------------------------------------------------------------
pinSelf(LOAD_CPU)
await ensureWrk()
if (flags.rebuild || !existsSync(EXECUTABLE)) {
  console.log('building dist/kiosk ...')
  await run(['bun', 'run', 'build'], { cwd: ROOT })
}
const skipped = new Map<PeerName, string>((flags.skip as string[]).map((name) => [name as PeerName, 'skipped with --skip']))
if (!skipped.has('node-fastify') && scenarios.some((s) => s.peers.includes('node-fastify'))) {
  const why = await prepareNodePeer()
  if (why) {
    console.log(`WARNING: the Node peer is left out: ${why}`)
    skipped.set('node-fastify', why)
  }
}
const workDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'))
const password = 'bench-password'
console.log(`seeding ${PRODUCTS} products into ${workDir} ...`)
await run([EXECUTABLE, 'seed', '--demo', '--products', String(PRODUCTS), '--users', '50', '--orders', '5000', '--password', password], {
  cwd: workDir,
  env: { DATA_DIR: workDir, JWT_SECRET: BENCH_SECRET },
})
const databasePath = join(workDir, 'kiosk.db')
raiseStock(databasePath)
const database = new Database(databasePath, { readonly: true })
const productIds = database.query<{ id: string }, []>('SELECT id FROM products WHERE active = 1 ORDER BY id').all().map((r) => r.id)
const inStockIds = database.query<{ id: string }, []>('SELECT id FROM products WHERE active = 1 AND stock > 0 ORDER BY id').all().map((r) => r.id)
const customerEmails = database.query<{ email: string }, []>("SELECT email FROM users WHERE role = 'user' ORDER BY email").all().map((r) => r.email)
database.close()
const fixture: Fixture = {
  dataDir: workDir,
  databasePath,
  password,
  customerEmails,
  productIds,
  inStockIds,
  hotProductId: productIds[Math.floor(productIds.length / 2)]!,
}
const postgresAdmin = flags.postgres ?? process.env.KIOSK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres'
let postgres: BenchPostgres | undefined
if (flags.postgres !== 'off') {
  console.log(`copying the bench data to PostgreSQL (${postgresAdmin}) ...`)
  const copy = await copyToPostgres(postgresAdmin, databasePath)
  if ('missing' in copy) console.log(`WARNING: Kiosk on PostgreSQL is left out: ${copy.missing}`)
  else postgres = copy
}
const listQuery = captureListQuery(databasePath)
const files: ServerFiles = {
  dataDir: workDir,
  databasePath,
  listQueryFile: join(workDir, 'list-query.json'),
  insertDatabasePath: join(workDir, 'insert-peer.db'),
  cacheEntries: CACHE_ENTRIES,
  againstExecutable: flags.against ? resolve(flags.against) : undefined,
  workers: Number(flags.workers),
  postgresUrl: postgres?.url,
  replicas: Number(flags.replicas),
}
writeFileSync(files.listQueryFile, JSON.stringify(listQuery))
const luaDir = join(workDir, 'lua')
mkdirSync(luaDir)
const ctx = {
  fixture,
  lua(name: string, source: string) {
    const path = join(luaDir, name)
    writeFileSync(path, source)
    return path
  },
}

// --- rounds: one server at a time, the order rotated every round -------------------------------
const kioskVariants: PeerName[] = [...(flags.against ? (['against'] as const) : []), ...(Number(flags.workers) > 1 ? (['workers'] as const) : [])]
/** The scenarios Kiosk on PostgreSQL runs (issue #17): reads, the product page and orders. */
const POSTGRES_SCENARIOS = new Set(['cached product read', 'uncached product read', 'filtered product page', 'order creation'])
/** The scenarios the replicas run (issue #18): the cached read (no database) and orders (all of it in the database). */
const REPLICA_SCENARIOS = new Set(['cached product read', 'order creation'])
const peersOf = (scenario: Scenario): PeerName[] => [
  ...kioskVariants,
  ...(postgres && POSTGRES_SCENARIOS.has(scenario.name) ? (['postgres'] as const) : []),
  ...(postgres && Number(flags.replicas) > 1 && REPLICA_SCENARIOS.has(scenario.name) ? (['replicas'] as const) : []),
  ...scenario.peers,
]
const servers: ServerName[] = ['kiosk', ...new Set(scenarios.flatMap(peersOf).filter((peer) => !skipped.has(peer)))]
const samples = new Map<string, Map<ServerName, (Sample | undefined)[]>>(
  scenarios.map((s) => [s.name, new Map(servers.map((name) => [name, []]))]),
)
const startTimes = new Map<ServerName, number[]>(servers.map((name) => [name, []]))
/** The ids of the product page each server answered first: the raw peer must return Kiosk's rows. */
const pageIds = new Map<ServerName, string[]>()
const started = performance.now()
for (let round = 1; round <= rounds; round++) {
  const shift = (round - 1) % servers.length
  const order = [...servers.slice(shift), ...servers.slice(0, shift)]
  for (const name of order) {
    const server = await startServer(name, files)
    startTimes.get(name)!.push(server.startMs)
    try {
      for (const scenario of scenarios) {
        if (name !== 'kiosk' && !peersOf(scenario).includes(name as PeerName)) continue
        if (scenario.name === 'filtered product page' && !pageIds.has(name)) {
          const page = (await (await fetch(`${server.url}${LIST_PATH}`)).json()) as { items: { id: string }[] }
          pageIds.set(name, page.items.map((item) => item.id))
        }
        const sample = await measure(server, scenario, ctx)
        samples.get(scenario.name)!.get(name)![round - 1] = sample
        console.log(
          `round ${round} ${name.padEnd(13)} ${scenario.name.padEnd(22)} ${Math.round(sample.requestsPerSecond).toLocaleString('en-US').padStart(8)} req/s` +
            `  p99 ${sample.p99Ms.toFixed(2)} ms${sample.errors ? `  ${sample.errors} errors` : ''}`,
        )
      }
    } finally {
      await server.stop()
    }
  }
}
const loadSeconds = (performance.now() - started) / 1000

// The write ceiling with no HTTP at all, next to order creation, in the same run and on the server's core.
let insertCeiling: number | null = null
if (scenarios.some((s) => s.name === 'order creation')) {
  console.log('measuring the bun:sqlite insert ceiling (no HTTP) ...')
  insertCeiling = (JSON.parse(await run(pinned(SERVER_CPU, [process.execPath, join(ROOT, 'bench/insert-ceiling.ts'), String(seconds)]))) as { insertsPerSecond: number }).insertsPerSecond
}

// Kiosk's cold start, and in the same runs that of the start-up floor of its stack (bench/peers/elysia-floor.ts).
console.log('measuring cold start, next to the start-up floor ...')
const floorDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-floor-'))
const [coldStart, floorColdStart] = (await measureColdStarts([EXECUTABLE, await buildFloor(floorDir)], { dataDirs: [workDir, floorDir] })) as [ColdStart, ColdStart]
rmSync(floorDir, { recursive: true, force: true })
rmSync(workDir, { recursive: true, force: true })
await postgres?.drop()

// --- report -----------------------------------------------------------------------------------
const round2 = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : null)
const summarise = (list: (Sample | undefined)[]) => {
  const present = list.filter((s): s is Sample => s !== undefined)
  return {
    requestsPerSecond: Math.round(median(present.map((s) => s.requestsPerSecond))),
    p50Ms: median(present.map((s) => s.p50Ms)),
    p99Ms: median(present.map((s) => s.p99Ms)),
    peakRssMiB: present.some((s) => s.rssMiB !== null) ? Math.round(Math.max(...present.map((s) => s.rssMiB ?? 0))) : null,
    errors: present.reduce((sum, s) => sum + s.errors, 0),
    cacheHitRatio: present[0]?.cacheHitRatio === undefined ? undefined : median(present.map((s) => s.cacheHitRatio ?? Number.NaN)),
    rounds: present.map((s) => Math.round(s.requestsPerSecond)),
  }
}
type PeerResult = { skipped: string } | (ReturnType<typeof summarise> & { server: string; kioskRatioByRound: (number | null)[]; kioskRatio: number | null })
const results = scenarios.map((scenario) => {
  const byServer = samples.get(scenario.name)!
  const kiosk = byServer.get('kiosk')!
  const peers: Record<string, PeerResult> = {}
  for (const peer of peersOf(scenario)) {
    const why = skipped.get(peer)
    if (why) {
      peers[peer] = { skipped: why }
      continue
    }
    const list = byServer.get(peer)!
    // Kiosk ÷ peer within each round (same machine state), then the median of those.
    const ratios = kiosk.map((k, i) => (k && list[i] ? k.requestsPerSecond / list[i]!.requestsPerSecond : Number.NaN))
    peers[peer] = { server: SERVER_LABELS[peer], ...summarise(list), kioskRatioByRound: ratios.map(round2), kioskRatio: round2(median(ratios)) }
  }
  return { scenario: scenario.name, note: scenario.note, connections: scenario.connections ?? connections, kiosk: summarise(kiosk), peers }
})
const kioskPage = pageIds.get('kiosk')
const peerPage = pageIds.get('bun-raw')
const listCheck = kioskPage && peerPage ? { sameRows: JSON.stringify(kioskPage) === JSON.stringify(peerPage), rows: kioskPage.length } : null
const startToFirst2xx = Object.fromEntries(servers.map((name) => [name, { medianMs: round2(median(startTimes.get(name)!)), samplesMs: startTimes.get(name)!.map((ms) => round2(ms)) }]))

const orders = results.find((r) => r.scenario === 'order creation')
if (orders && insertCeiling) {
  console.log(
    `order creation: ${orders.kiosk.requestsPerSecond.toLocaleString('en-US')}/s; bun:sqlite alone (no HTTP): ` +
      `${insertCeiling.toLocaleString('en-US')} single-INSERT transactions/s (${(orders.kiosk.requestsPerSecond / insertCeiling).toFixed(2)}x)`,
  )
}
const errors = results.reduce((sum, r) => sum + r.kiosk.errors + Object.values(r.peers).reduce((s, p) => s + ('errors' in p ? p.errors : 0), 0), 0)
if (errors) console.log(`WARNING: ${errors} non-2xx responses or socket errors during the runs`)

const timestamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsDir = join(ROOT, 'bench/results')
mkdirSync(resultsDir, { recursive: true })
const report = {
  kind: 'bench' as const,
  timestamp: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, node: process.versions.node, platform: `${process.platform} ${process.arch}` },
  settings: { rounds, seconds, warmup, connections, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, products: PRODUCTS, cacheEntries: CACHE_ENTRIES, serverOrder: 'rotated each round' },
  servers: Object.fromEntries(servers.map((name) => [name, SERVER_LABELS[name]])),
  skipped: Object.fromEntries(skipped),
  executable: { bytes: coldStart.executableBytes },
  coldStart: { medianMs: coldStart.medianMs, samplesMs: coldStart.samplesMs, cpuMedianMs: coldStart.cpuMedianMs, cpuSamplesMs: coldStart.cpuSamplesMs },
  floorColdStart: { medianMs: floorColdStart.medianMs, samplesMs: floorColdStart.samplesMs, cpuMedianMs: floorColdStart.cpuMedianMs, cpuSamplesMs: floorColdStart.cpuSamplesMs },
  startToFirst2xx,
  productPage: { path: LIST_PATH, sql: listQuery.sql, sqlSource: listQuery.source, ...listCheck },
  insertCeiling: insertCeiling === null ? null : { transactionsPerSecond: insertCeiling, note: 'bench/insert-ceiling.ts: one INSERT per transaction, bun:sqlite, no HTTP' },
  results,
}
console.log(`\n${benchTables(report)}\n${loadSeconds.toFixed(0)} s of rounds.`)
if (listCheck && !listCheck.sameRows) console.log('WARNING: the raw peer returned other rows than Kiosk for the product page')
writeFileSync(join(resultsDir, `${timestamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
console.log(`written to bench/results/${timestamp}.json`)
