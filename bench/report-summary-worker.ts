import { openDatabase } from '../src/db/client.ts'
import type { ReportRange } from '../src/modules/reports/range.ts'
import { summarySpans } from '../src/modules/reports/spans.ts'
import { prepareSummaryQueries, type SummaryQueries } from '../src/modules/reports/store.ts'
import { SUMMARY_PARTS, type PartName } from '../src/modules/reports/summary.ts'

// A summary worker for bench/report-summary.ts: its own read-only connection, parts on request.
declare const self: Worker
let queries: SummaryQueries | undefined

self.onmessage = (event: MessageEvent) => {
  const message = event.data as { path: string } | { id: number; parts: PartName[]; range: ReportRange; threshold: number }
  if ('path' in message) {
    queries = prepareSummaryQueries(openDatabase(message.path, { readonly: true }).sqlite)
    self.postMessage({ ready: true })
    return
  }
  const results: Record<string, unknown> = {}
  for (const part of message.parts) results[part] = SUMMARY_PARTS[part](queries!, message.range, message.threshold, summarySpans(message.range))
  self.postMessage({ id: message.id, results })
}
