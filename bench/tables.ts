/**
 * Markdown tables of a results file, the same ones `bun run bench` and `bun run bench:scale` print,
 * so the README's tables can be pasted from a committed file:
 *
 *   bun bench/tables.ts bench/results/<timestamp>.json
 */

interface Figures {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  peakRssMiB: number | null
  cacheHitRatio?: number
}
type PeerFigures = { skipped: string } | (Figures & { kioskRatio: number | null })
export interface BenchReport {
  kind?: 'bench'
  timestamp: string
  machine: { cpus: number; model?: string; bun: string }
  settings: { rounds: number; seconds: number; warmup: number; connections: number }
  executable: { bytes: number }
  coldStart: { medianMs: number; samplesMs: number[]; cpuMedianMs?: number; cpuSamplesMs?: number[] }
  /** The start-up floor of the stack (bench/peers/elysia-floor.ts), measured in the same runs; absent in older results. */
  floorColdStart?: { medianMs: number; samplesMs: number[]; cpuMedianMs?: number }
  startToFirst2xx?: Record<string, { medianMs: number | null }>
  productPage?: { sqlSource: string; sameRows?: boolean; rows?: number }
  insertCeiling: { transactionsPerSecond: number } | number | null
  results: { scenario: string; connections?: number; kiosk: Figures; peers?: Record<string, PeerFigures> }[]
}

interface Latency {
  p50Ms: number | null
  p99Ms: number | null
  samples: number
  error?: string
}
interface Wrk {
  requestsPerSecond: number
  p99Ms: number
  /** wrk's non-2xx responses and socket errors (timeouts: no answer within wrk's timeout, 60 s here, 2 s in older files). */
  errors: number
}
export interface ScaleReport {
  kind: 'bench:scale'
  timestamp: string
  machine: { cpus: number; model?: string; bun: string }
  settings: { seconds: number; maxSamples: number; connections: number }
  productsSeries: {
    size: { products: number }
    seeding: { wallSeconds: number }
    search: Record<'inMostProducts' | 'commonNameWord' | 'rareNameWord', Latency & { word: string; matchingProducts: number }>
    filteredPage: Latency
    deepCursorPage: Latency & { depth: number }
  }[]
  ordersSeries: {
    size: { orders: number; orderLines: number | null }
    seeding: { wallSeconds: number }
    summary12Months: Latency
    csvExport12Months: { rows: number | null; rowsPerSecond: number | null; error?: string }
    cachedReadP99: { alone: Wrk; duringSummaries: Wrk; duringExports: Wrk }
  }[]
}

const fmt = (n: number | null | undefined, digits = 2) => (n === null || n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits))
const count = (n: number) => n.toLocaleString('en-US')
const short = (n: number) => (n >= 1_000_000 ? `${Math.round(n / 100_000) / 10}M` : n >= 1000 ? `${Math.round(n / 100) / 10}k` : String(n))

/** A Markdown table, columns padded; the first `leftColumns` left-aligned, the rest right-aligned. */
export function markdownTable(header: string[], rows: string[][], leftColumns = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i < leftColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

export function benchTables(report: BenchReport): string {
  const rows = report.results.flatMap((r) => [
    [
      r.scenario,
      'kiosk',
      count(r.kiosk.requestsPerSecond),
      fmt(r.kiosk.p50Ms),
      fmt(r.kiosk.p99Ms),
      fmt(r.kiosk.peakRssMiB, 0),
      '',
      r.kiosk.cacheHitRatio === undefined ? '–' : `${Math.round(r.kiosk.cacheHitRatio * 100)}%`,
    ],
    ...Object.entries(r.peers ?? {}).map(([peer, p]) =>
      'skipped' in p
        ? ['', peer, `left out: ${p.skipped}`, '', '', '', '', '']
        : ['', peer, count(p.requestsPerSecond), fmt(p.p50Ms), fmt(p.p99Ms), fmt(p.peakRssMiB, 0), fmt(p.kioskRatio), ''],
    ),
  ])
  const table = markdownTable(['scenario', 'server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'Kiosk ÷ peer', 'cache hits'], rows, 2)
  const { settings: s } = report
  const ceiling = typeof report.insertCeiling === 'number' ? report.insertCeiling : report.insertCeiling?.transactionsPerSecond
  const notes = [
    `${report.timestamp}, ${report.machine.cpus} × ${report.machine.model ?? 'CPU'}, Bun ${report.machine.bun}: medians of ${s.rounds} round(s) of ${s.seconds} s after ${s.warmup} s warm-up, wrk -t1 -c${s.connections}.`,
    `Kiosk cold start (exec to first 200, median of ${report.coldStart.samplesMs.length}): ${fmt(report.coldStart.medianMs, 0)} ms${report.coldStart.cpuMedianMs === undefined ? '' : ` (CPU ${fmt(report.coldStart.cpuMedianMs, 0)} ms, start to exit)`}; executable ${fmt(report.executable.bytes / 2 ** 20, 1)} MiB.`,
  ]
  if (report.floorColdStart) {
    notes.push(`Start-up floor of the stack in the same runs (bench/peers/elysia-floor.ts: Kiosk's libraries, 52 routes, no Kiosk code): ${fmt(report.floorColdStart.medianMs, 0)} ms${report.floorColdStart.cpuMedianMs === undefined ? '' : ` (CPU ${fmt(report.floorColdStart.cpuMedianMs, 0)} ms)`}.`)
  }
  if (report.startToFirst2xx) {
    notes.push(`Start to first 2xx in the rounds (median): ${Object.entries(report.startToFirst2xx).map(([name, v]) => `${name} ${fmt(v.medianMs, 0)} ms`).join(', ')}.`)
  }
  if (report.productPage?.rows !== undefined) {
    notes.push(`Product page: the raw peer ran ${report.productPage.sqlSource === 'captured from Kiosk' ? "Kiosk's own SQL" : 'a hand-written equivalent SQL'} and returned ${report.productPage.sameRows ? 'the same' : 'DIFFERENT'} ${report.productPage.rows} rows.`)
  }
  if (ceiling) notes.push(`bun:sqlite alone, no HTTP: ${count(ceiling)} single-INSERT transactions/s.`)
  return `${table}\n\n${notes.join('\n')}`
}

const wrkP99 = (w: Wrk) =>
  // wrk records no latency for an answer later than its timeout: only timeouts means none came in time.
  !w.p99Ms && w.errors ? `none in time (${w.errors} timeouts)` : `${fmt(w.p99Ms)}${w.errors ? ` (${w.errors} errors/timeouts)` : ''}`
const latency = (l: Latency) => `${fmt(l.p50Ms, 1)} / ${fmt(l.p99Ms, 1)}${l.error ? ' (failed)' : ''}`

export function scaleTables(report: ScaleReport): string {
  const parts: string[] = []
  if (report.productsSeries.length) {
    parts.push(
      markdownTable(
        ['products', 'seeding s', 'q= word in most products', 'q= common name word', 'q= rare name word', 'filtered page', 'deep cursor page'],
        report.productsSeries.map((step) => [
          short(step.size.products),
          fmt(step.seeding.wallSeconds, 1),
          ...(['inMostProducts', 'commonNameWord', 'rareNameWord'] as const).map(
            (key) => `${latency(step.search[key])} (${step.search[key].word}: ${short(step.search[key].matchingProducts)})`,
          ),
          latency(step.filteredPage),
          latency(step.deepCursorPage),
        ]),
      ),
    )
  }
  if (report.ordersSeries.length) {
    parts.push(
      markdownTable(
        ['orders', 'seeding s', '12-month summary', 'CSV export rows/s', 'cached read p99 ms: alone', 'during summaries', 'during exports'],
        report.ordersSeries.map((step) => [
          short(step.size.orders),
          fmt(step.seeding.wallSeconds, 1),
          latency(step.summary12Months),
          step.csvExport12Months.rowsPerSecond === null || step.csvExport12Months.rows === null
            ? 'failed'
            : `${count(step.csvExport12Months.rowsPerSecond)} (${short(step.csvExport12Months.rows)} rows)`,
          wrkP99(step.cachedReadP99.alone),
          wrkP99(step.cachedReadP99.duringSummaries),
          wrkP99(step.cachedReadP99.duringExports),
        ]),
      ),
    )
  }
  const { settings: s } = report
  parts.push(
    `${report.timestamp}, ${report.machine.cpus} × ${report.machine.model ?? 'CPU'}, Bun ${report.machine.bun}. Latencies are p50 / p99 ms of single ` +
      `requests one after another for ${s.seconds} s each (at most ${s.maxSamples}); the cached read is wrk -t1 -c${s.connections}.`,
  )
  return parts.join('\n\n')
}

if (import.meta.main) {
  const file = process.argv[2]
  if (!file) throw new Error('usage: bun bench/tables.ts bench/results/FILE.json')
  const report = (await Bun.file(file).json()) as BenchReport | ScaleReport
  console.log(report.kind === 'bench:scale' ? scaleTables(report) : benchTables(report as BenchReport))
}
