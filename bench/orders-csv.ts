/**
 * Memory of the orders CSV over a year of orders (~1M lines with the default 400k orders):
 * `bun bench/orders-csv.ts [orders]`. Reads the stream as a client would and samples the heap
 * and RSS after every chunk.
 */
import { openDatabase } from '../src/db/client.ts'
import { ordersCsvStream } from '../src/modules/reports/csv.ts'
import { createReportsStore } from '../src/modules/reports/store.ts'
import { parseRange } from '../src/modules/reports/range.ts'
import { reportDatabase } from './report-data.ts'

const orders = Number(process.argv[2] ?? 400_000)
const path = reportDatabase(`/tmp/kiosk-bench-reports-${orders}.db`, orders)
const { sqlite } = openDatabase(path, { readonly: true })
const range = parseRange({ from: '2025-12-01', to: '2026-11-30' }, new Date('2026-11-30T12:00:00Z'))
const lines = sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM order_items').get()!.n

Bun.gc(true)
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
const base = process.memoryUsage()
let peakHeap = 0
let peakRss = 0
let bytes = 0
let chunks = 0
let records = 0
const started = performance.now()
const reader = ordersCsvStream(createReportsStore(sqlite).orderLines, range).getReader()
for (let part = await reader.read(); !part.done; part = await reader.read()) {
  bytes += part.value.byteLength
  chunks++
  for (const byte of part.value) if (byte === 10) records++ // LF count (names here have no newlines)
  if (chunks % 50 === 0) {
    const now = process.memoryUsage()
    peakHeap = Math.max(peakHeap, now.heapUsed)
    peakRss = Math.max(peakRss, now.rss)
  }
}
const seconds = (performance.now() - started) / 1000
console.log(`${lines} order lines in the database; ${records - 1} CSV rows + header, ${mib(bytes)} MiB in ${chunks} chunks, ${seconds.toFixed(1)} s`)
console.log(`heap used: ${mib(base.heapUsed)} MiB before, peak ${mib(peakHeap)} MiB while streaming`)
console.log(`RSS: ${mib(base.rss)} MiB before, peak ${mib(peakRss)} MiB while streaming`)
