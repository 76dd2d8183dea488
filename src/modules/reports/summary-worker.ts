/**
 * The summary's worker thread (entry point; also built into the executable, see
 * scripts/build.ts). It owns a read-only connection to the database and computes summaries on
 * request, so the server's event loop never stalls on a long report query.
 */
import { openDatabase } from '../../db/client.ts'
import type { ReportRange } from './range.ts'
import { inReadSnapshot, prepareSummaryQueries, type SummaryQueries } from './store.ts'
import { computeSummary } from './summary.ts'

declare const self: Worker

export type SummaryRequest = { init: string } | { id: number; range: ReportRange; lowStockThreshold: number }
export type SummaryReply =
  | { id: number; summary: unknown; timings: [string, number][] }
  | { id: number; error: string }

let connection: ReturnType<typeof openDatabase> | undefined
let queries: SummaryQueries | undefined

self.onmessage = async (event: MessageEvent<SummaryRequest>) => {
  const message = event.data
  if ('init' in message) {
    connection = openDatabase(message.init, { readonly: true })
    queries = prepareSummaryQueries(connection.sqlite)
    return
  }
  const timings: [string, number][] = []
  try {
    // One read transaction: every part sees the same snapshot of the database.
    const summary = await inReadSnapshot(connection!.sqlite, () =>
      computeSummary(queries!, message.range, message.lowStockThreshold, (part, ms) => timings.push([part, ms])),
    )
    self.postMessage({ id: message.id, summary, timings } satisfies SummaryReply)
  } catch (error) {
    self.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies SummaryReply)
  }
}
