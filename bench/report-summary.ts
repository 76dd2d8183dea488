/**
 * Does the summary get faster, or block the server less, with a read-only second connection or
 * with Workers? `bun bench/report-summary.ts [orders=400000]`. Prints medians of 9 runs (after a
 * warm-up) of the 366-day and the 30-day summary, and the longest event-loop stall during each.
 */
import { openDatabase } from '../src/db/client.ts'
import { parseRange, type ReportRange } from '../src/modules/reports/range.ts'
import { createSummaryRunner } from '../src/modules/reports/summary-runner.ts'
import { summarySpans } from '../src/modules/reports/spans.ts'
import { prepareSummaryQueries } from '../src/modules/reports/store.ts'
import { computeSummary, SUMMARY_PARTS, type PartName } from '../src/modules/reports/summary.ts'
import { reportDatabase } from './report-data.ts'

const orders = Number(process.argv[2] ?? 400_000)
const path = reportDatabase(`/tmp/kiosk-bench-reports-${orders}.db`, orders)
const main = openDatabase(path)
const readonly = openDatabase(path, { readonly: true })
const now = new Date('2026-11-30T12:00:00.000Z')
const ranges = {
  year: parseRange({ from: '2025-12-01', to: '2026-11-30' }, now),
  month: parseRange({ from: '2026-11-01', to: '2026-11-30' }, now),
}
const PARTS = Object.keys(SUMMARY_PARTS) as PartName[]

/** A pool of Workers, each with its own read-only connection; parts are dealt out round-robin. */
async function workerPool(size: number) {
  const workers = await Promise.all(
    Array.from({ length: size }, async () => {
      const worker = new Worker(new URL('./report-summary-worker.ts', import.meta.url).href)
      await new Promise<void>((resolve) => {
        worker.onmessage = () => resolve()
        worker.postMessage({ path })
      })
      return worker
    }),
  )
  let nextId = 0
  const ask = (worker: Worker, parts: PartName[], range: ReportRange) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = nextId++
      const listener = (event: MessageEvent) => {
        if (event.data.id !== id) return
        worker.removeEventListener('message', listener)
        resolve(event.data.results)
      }
      worker.addEventListener('message', listener)
      worker.postMessage({ id, parts, range, threshold: 5 })
    })
  return {
    async summary(range: ReportRange) {
      const shares = workers.map((_, i) => PARTS.filter((_, p) => p % size === i))
      const results = await Promise.all(workers.map((worker, i) => ask(worker, shares[i]!, range)))
      return Object.assign({}, ...results)
    },
    close: () => workers.forEach((worker) => worker.terminate()),
  }
}

/** Runs `fn` while a 1 ms ticker watches the event loop; returns wall time and the longest stall. */
async function measure(fn: () => Promise<unknown>) {
  let last = performance.now()
  let stall = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    stall = Math.max(stall, now - last)
    last = now
  }, 1)
  await new Promise((resolve) => setTimeout(resolve, 5))
  last = performance.now()
  stall = 0
  const started = performance.now()
  await fn()
  const wall = performance.now() - started
  await new Promise((resolve) => setTimeout(resolve, 2))
  clearInterval(ticker)
  return { wall, stall: Math.max(stall, performance.now() - last) }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const mainQueries = prepareSummaryQueries(main.sqlite)
const readonlyQueries = prepareSummaryQueries(readonly.sqlite)
const pool2 = await workerPool(2)
const pool5 = await workerPool(5)
const runner = createSummaryRunner(path)
await runner.compute(ranges.month, 5) // start it

const variants: Record<string, (range: ReportRange) => Promise<unknown>> = {
  'one connection, sequential': async (range) => {
    for (const part of PARTS) SUMMARY_PARTS[part](mainQueries, range, 5, summarySpans(range))
  },
  'one connection, Promise.all': (range) => computeSummary(mainQueries, range, 5),
  'read-only 2nd connection, Promise.all': (range) => computeSummary(readonlyQueries, range, 5),
  '2 Workers (warm), own read-only connections': (range) => pool2.summary(range),
  '5 Workers (warm), one part each': (range) => pool5.summary(range),
  '1 Worker, all parts, one snapshot (shipped)': (range) => runner.compute(range, 5),
}

const parts: Record<string, number> = {}
await computeSummary(mainQueries, ranges.year, 5, (name, ms) => (parts[name] = ms))
console.log(`database: ${orders} orders; per-part ms (366 days, one connection):`, Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, +v.toFixed(1)])))

for (const [label, range] of Object.entries(ranges)) {
  console.log(`\n${label} range (${range.from.slice(0, 10)}..${range.to.slice(0, 10)})`)
  console.log('variant'.padEnd(46), 'wall ms'.padStart(9), 'max event-loop stall ms'.padStart(25))
  for (const [name, run] of Object.entries(variants)) {
    await run(range) // warm-up
    const rounds = []
    for (let i = 0; i < 9; i++) rounds.push(await measure(() => run(range)))
    console.log(
      name.padEnd(46),
      median(rounds.map((r) => r.wall)).toFixed(1).padStart(9),
      median(rounds.map((r) => r.stall)).toFixed(1).padStart(25),
    )
  }
}
pool2.close()
pool5.close()
runner.close()

// Starting a worker: what the first summary after WORKER_IDLE_MS pays.
const cold = []
for (let i = 0; i < 5; i++) {
  const fresh = createSummaryRunner(path)
  const started = performance.now()
  await fresh.compute(parseRange({ from: '2026-11-30', to: '2026-11-30' }, now), 5)
  cold.push(performance.now() - started)
  fresh.close()
}
console.log(`\ncold start of the summary worker + a one-day summary: median ${median(cold).toFixed(1)} ms`)
