/**
 * `bun run bench`: load-tests the compiled executable on a seeded database against a raw
 * Bun.serve baseline serving the same bytes, alternately, for several rounds; prints one table
 * (medians over rounds) and writes it as JSON to bench/results/<timestamp>.json. Not a test.
 *
 *   bun run bench [--rounds 3] [--seconds 5] [--warmup 2] [--connections 50] [--only NAME[,NAME]] [--rebuild] [--against EXECUTABLE] [--workers N]
 *
 * `--against` measures a second Kiosk executable (say, a build of another branch) in the same
 * rounds, alternating with this one, and adds its ratios and this build's ratio to it.
 *
 * `--workers N` (default 2; 1 turns it off) also measures this build with KIOSK_WORKERS=N in the same rounds.
 * Those workers are not pinned: they share every core with wrk, which on a 2-core machine competes
 * with them for the second core (say so next to the figures).
 *
 * The server is pinned to CPU 0 and wrk to CPU 1 (taskset) when the machine has both. Numbers on
 * a shared machine move a lot between runs: compare the ratios of one run, not runs.
 */
import { Database } from 'bun:sqlite'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Subprocess } from 'bun'
import { measureColdStart } from './coldstart.ts'
import { LIST_PATH, SCENARIOS, type Fixture, type Scenario, type ScenarioContext } from './scenarios.ts'
import { ensureWrk, freePort, median, peakRssMiB, pinned, resetPeakRss, runWrk, waitFor200, type WrkResult } from './tools.ts'

const ROOT = resolve(import.meta.dir, '..')
const EXECUTABLE = join(ROOT, 'dist/kiosk')
const SERVER_CPU = 0
const LOAD_CPU = 1
/** Fewer cache entries than seeded products, so cycling through all of them always misses. */
const CACHE_ENTRIES = 1000
const PRODUCTS = 5000
const BENCH_SECRET = 'bench-secret-that-is-at-least-32-bytes!'

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    against: { type: 'string' },
    workers: { type: 'string', default: '2' },
  },
})
const rounds = Number(flags.rounds)
const seconds = Number(flags.seconds)
const warmup = Number(flags.warmup)
const connections = Number(flags.connections)
const AGAINST = flags.against ? resolve(flags.against) : undefined
const WORKERS = Number(flags.workers)
const scenarios = SCENARIOS.filter((s) => !flags.only || flags.only.split(',').some((only) => s.name === only || s.name.includes(only)))

async function run(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = Bun.spawn(command, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdout: 'pipe', stderr: 'pipe' })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  if (code !== 0) throw new Error(`${command.join(' ')} failed (${code}):\n${stdout}\n${stderr}`)
  return stdout
}

interface Server {
  url: string
  process: Subprocess
  stop(): Promise<void>
}

type Kind = 'kiosk' | 'baseline' | 'against' | 'workers'

async function startServer(kind: Kind, dataDir: string, listBodyFile: string): Promise<Server> {
  const port = freePort()
  const command =
    kind !== 'baseline'
      ? [kind === 'against' ? AGAINST! : EXECUTABLE, 'serve']
      : [process.execPath, join(ROOT, 'bench/baseline.ts'), '--db', join(dataDir, 'kiosk.db'), '--port', String(port), '--list-body', listBodyFile]
  // Several workers pinned to one core would measure nothing: they get every core.
  const child = Bun.spawn(kind === 'workers' ? command : pinned(SERVER_CPU, command), {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      NODE_ENV: 'production',
      JWT_SECRET: BENCH_SECRET,
      CACHE_MAX_ENTRIES: String(CACHE_ENTRIES),
      KIOSK_WORKERS: kind === 'workers' ? String(WORKERS) : '1',
    },
    // Kiosk logs a line per request at the default level, as in production; the lines go nowhere.
    stdout: 'ignore',
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor200(`${url}/health/live`)
  // The first worker answering says nothing of the others: give them time to listen too.
  if (kind === 'workers') await Bun.sleep(3000)
  return {
    url,
    process: child,
    async stop() {
      child.kill('SIGTERM')
      await child.exited
    },
  }
}

/** Product cache hits and misses so far, from Kiosk's /metrics. */
async function cacheLookups(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text()
  const read = (result: string) => Number(new RegExp(`cache_lookups_total\\{cache="product",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0)
  return { hits: read('hit'), misses: read('miss') }
}

interface Sample extends WrkResult {
  rssMiB: number | null
  cacheHitRatio?: number
}

async function measure(server: Server, kind: Kind, scenario: Scenario, ctx: Omit<ScenarioContext, 'server' | 'url'>): Promise<Sample> {
  const target = await scenario.target({ ...ctx, server: kind === 'baseline' ? 'baseline' : 'kiosk', url: server.url })
  const check = await fetch(`${server.url}${target.script ? '/health/live' : target.path}`)
  if (check.status !== 200) throw new Error(`${kind} answered ${check.status} to ${target.path}`)
  const load = { url: `${server.url}${target.path}`, connections: scenario.connections ?? connections, cpu: LOAD_CPU, script: target.script }
  await runWrk({ ...load, seconds: warmup })
  resetPeakRss(server.process.pid)
  const before = kind !== 'baseline' ? await cacheLookups(server.url) : undefined
  const result = await runWrk({ ...load, seconds })
  // A supervisor's own memory is not its workers': not reported.
  const rssMiB = kind === 'workers' ? null : peakRssMiB(server.process.pid)
  if (!before) return { ...result, rssMiB }
  const after = await cacheLookups(server.url)
  const lookups = after.hits - before.hits + (after.misses - before.misses)
  return { ...result, rssMiB, cacheHitRatio: lookups ? (after.hits - before.hits) / lookups : undefined }
}

// --- set-up ----------------------------------------------------------------------------------
await ensureWrk()
if (flags.rebuild || !existsSync(EXECUTABLE)) {
  console.log('building dist/kiosk ...')
  await run(['bun', 'run', 'build'])
}
const workDir = mkdtempSync(join(tmpdir(), 'kiosk-bench-'))
const password = 'bench-password'
console.log(`seeding ${PRODUCTS} products into ${workDir} ...`)
await run([EXECUTABLE, 'seed', '--demo', '--products', String(PRODUCTS), '--users', '50', '--orders', '5000', '--password', password], {
  cwd: workDir,
  env: { DATA_DIR: workDir, JWT_SECRET: BENCH_SECRET },
})
const database = new Database(join(workDir, 'kiosk.db'), { readonly: true })
const productIds = database.query<{ id: string }, []>('SELECT id FROM products WHERE active = 1 ORDER BY id').all().map((r) => r.id)
const customerEmails = database.query<{ email: string }, []>("SELECT email FROM users WHERE role = 'user' ORDER BY email").all().map((r) => r.email)
database.close()
const fixture: Fixture = {
  dataDir: workDir,
  databasePath: join(workDir, 'kiosk.db'),
  password,
  customerEmails,
  productIds,
  hotProductId: productIds[Math.floor(productIds.length / 2)]!,
}
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
const listBodyFile = join(workDir, 'list-body.json')

// --- rounds: Kiosk and the baseline alternately, the order swapped every round ---------------
const samples = new Map<string, Record<Kind, Sample[]>>(scenarios.map((s) => [s.name, { kiosk: [], baseline: [], against: [], workers: [] }]))
const kinds: Kind[] = ['kiosk', ...(AGAINST ? (['against'] as const) : []), ...(WORKERS > 1 ? (['workers'] as const) : []), 'baseline']
const started = performance.now()
for (let round = 1; round <= rounds; round++) {
  // Who goes first rotates every round (round 1 starts with Kiosk, which writes the list body).
  const order = kinds.map((_, i) => kinds[(i + round - 1) % kinds.length]!)
  for (const kind of order) {
    if (kind === 'baseline' && !existsSync(listBodyFile)) continue // first round starts with Kiosk, which writes it
    const server = await startServer(kind, workDir, listBodyFile)
    try {
      if (kind === 'kiosk' && !existsSync(listBodyFile)) writeFileSync(listBodyFile, await (await fetch(`${server.url}${LIST_PATH}`)).text())
      for (const scenario of scenarios) {
        if (kind === 'baseline' && !scenario.baseline) continue
        const sample = await measure(server, kind, scenario, ctx)
        samples.get(scenario.name)![kind].push(sample)
        console.log(`round ${round} ${kind.padEnd(8)} ${scenario.name.padEnd(24)} ${Math.round(sample.requestsPerSecond).toLocaleString('en-US').padStart(8)} req/s`)
      }
    } finally {
      await server.stop()
    }
  }
}

// The write ceiling next to order creation, in the same run and on the server's core.
let insertCeiling: number | null = null
if (scenarios.some((s) => s.name === 'order creation')) {
  console.log('measuring the bun:sqlite insert ceiling ...')
  insertCeiling = (JSON.parse(await run(pinned(SERVER_CPU, [process.execPath, join(ROOT, 'bench/insert-ceiling.ts'), String(seconds)]))) as { insertsPerSecond: number }).insertsPerSecond
}

console.log('measuring cold start ...')
const coldStart = await measureColdStart(EXECUTABLE, { dataDir: workDir })
rmSync(workDir, { recursive: true, force: true })

// --- report -----------------------------------------------------------------------------------
const summarise = (list: Sample[]) => ({
  requestsPerSecond: Math.round(median(list.map((s) => s.requestsPerSecond))),
  p50Ms: median(list.map((s) => s.p50Ms)),
  p99Ms: median(list.map((s) => s.p99Ms)),
  peakRssMiB: list.some((s) => s.rssMiB !== null) ? Math.max(...list.map((s) => s.rssMiB ?? 0)) : null,
  errors: list.reduce((sum, s) => sum + s.errors, 0),
  cacheHitRatio: list[0]?.cacheHitRatio === undefined ? undefined : median(list.map((s) => s.cacheHitRatio ?? Number.NaN)),
  rounds: list.map((s) => Math.round(s.requestsPerSecond)),
})
const results = scenarios.map((scenario) => {
  const { kiosk, baseline, against, workers } = samples.get(scenario.name)!
  // The ratio of each round (same machine state), then the median of those.
  const ratioOf = (list: Sample[], to: Sample[]) =>
    to.length ? Math.round(median(list.map((k, i) => (to[i] ? k.requestsPerSecond / to[i]!.requestsPerSecond : Number.NaN))) * 100) / 100 : null
  return {
    scenario: scenario.name,
    note: scenario.note,
    kiosk: summarise(kiosk),
    baseline: baseline.length ? summarise(baseline) : null,
    ratio: ratioOf(kiosk, baseline),
    against: against.length ? { ...summarise(against), ratio: ratioOf(against, baseline), thisBuildOverAgainst: ratioOf(kiosk, against) } : undefined,
    workers: workers.length ? { count: WORKERS, ...summarise(workers), ratio: ratioOf(workers, baseline), overOneWorker: ratioOf(workers, kiosk) } : undefined,
  }
})

const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits))
const header = ['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'ratio', 'cache hits']
const rows = results.flatMap((r) => [
  [r.scenario, 'kiosk', r.kiosk.requestsPerSecond.toLocaleString('en-US'), fmt(r.kiosk.p50Ms), fmt(r.kiosk.p99Ms), fmt(r.kiosk.peakRssMiB, 0), fmt(r.ratio), r.kiosk.cacheHitRatio === undefined ? '–' : `${Math.round(r.kiosk.cacheHitRatio * 100)}%`],
  ...(r.against ? [['', '--against', r.against.requestsPerSecond.toLocaleString('en-US'), fmt(r.against.p50Ms), fmt(r.against.p99Ms), fmt(r.against.peakRssMiB, 0), fmt(r.against.ratio), r.against.cacheHitRatio === undefined ? '–' : `${Math.round(r.against.cacheHitRatio * 100)}%`]] : []),
  ...(r.workers ? [['', `kiosk ×${r.workers.count}`, r.workers.requestsPerSecond.toLocaleString('en-US'), fmt(r.workers.p50Ms), fmt(r.workers.p99Ms), '–', fmt(r.workers.ratio), r.workers.cacheHitRatio === undefined ? '–' : `${Math.round(r.workers.cacheHitRatio * 100)}%`]] : []),
  ...(r.baseline ? [['', 'Bun.serve', r.baseline.requestsPerSecond.toLocaleString('en-US'), fmt(r.baseline.p50Ms), fmt(r.baseline.p99Ms), fmt(r.baseline.peakRssMiB, 0), '1.00', '']] : []),
])
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
console.log(`\n${line(header)}\n|${widths.map((w, i) => (i < 2 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
for (const row of rows) console.log(line(row))
console.log(
  `\nmedians of ${rounds} rounds of ${seconds} s (after ${warmup} s warm-up), wrk -t1 -c${connections}; ` +
    `executable ${(coldStart.executableBytes / 1024 / 1024).toFixed(1)} MiB; cold start (exec to first 200, median of ${coldStart.samplesMs.length}) ${coldStart.medianMs.toFixed(0)} ms; ` +
    `${((performance.now() - started) / 1000).toFixed(0)} s of load`,
)
if (WORKERS > 1) {
  console.log(
    `KIOSK_WORKERS=${WORKERS} ÷ KIOSK_WORKERS=1 (median of per-round ratios): ${results.map((r) => `${r.scenario} ${fmt(r.workers?.overOneWorker)}`).join(', ')}; ` +
      `the workers share the machine's ${cpus().length} cores with wrk (one worker is pinned to CPU 0, wrk to CPU 1): on 2 cores the load generator competes with them`,
  )
}
if (AGAINST) {
  console.log(`this build ÷ ${AGAINST} (median of per-round ratios): ${results.map((r) => `${r.scenario} ${fmt(r.against?.thisBuildOverAgainst)}`).join(', ')}`)
}
const orders = results.find((r) => r.scenario === 'order creation')
if (orders && insertCeiling) {
  console.log(
    `order creation: ${orders.kiosk.requestsPerSecond.toLocaleString('en-US')}/s against a raw bun:sqlite ceiling of ` +
      `${insertCeiling.toLocaleString('en-US')} single-INSERT transactions/s (${(orders.kiosk.requestsPerSecond / insertCeiling).toFixed(2)}x)`,
  )
}
const errors = results.reduce((sum, r) => sum + r.kiosk.errors + (r.baseline?.errors ?? 0) + (r.against?.errors ?? 0) + (r.workers?.errors ?? 0), 0)
if (errors) console.log(`WARNING: ${errors} non-2xx responses or socket errors during the runs`)

const timestamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsDir = join(ROOT, 'bench/results')
mkdirSync(resultsDir, { recursive: true })
const report = {
  timestamp: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, bun: Bun.version, platform: `${process.platform} ${process.arch}` },
  settings: { against: AGAINST ?? null, workers: WORKERS, rounds, seconds, warmup, connections, serverCpu: SERVER_CPU, loadCpu: LOAD_CPU, products: PRODUCTS, cacheEntries: CACHE_ENTRIES },
  executable: { bytes: coldStart.executableBytes },
  coldStart: { medianMs: coldStart.medianMs, samplesMs: coldStart.samplesMs },
  insertCeiling,
  results,
}
writeFileSync(join(resultsDir, `${timestamp}.json`), `${JSON.stringify(report, null, 2)}\n`)
console.log(`written to bench/results/${timestamp}.json`)
