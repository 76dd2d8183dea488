import type { AppContext } from '../../context.ts'
import type { FileStore } from '../../db/files.ts'
import { cachedLookup, cacheKeys } from '../../lib/cache.ts'
import { ordersCsvStream } from './csv.ts'
import type { SnapshotInfo, Summary } from './model.ts'
import { defaultRange, parseRange, type ReportRange } from './range.ts'
import { createSnapshotStore } from './snapshots.ts'
import { createSummaryRunner } from './summary-runner.ts'
import type { ReportsStore } from './store.ts'
import { computeSummary, type TimingSink } from './summary.ts'

/** How long a computed summary is served from the cache: reports may lag writes by this much. */
export const SUMMARY_TTL_MS = 30_000

interface CachedSummary {
  summary: Summary
  expiresAt: number
}

/** Reports over the context's database; built once per process (createServices). */
export function createReportsService(
  store: ReportsStore,
  ctx: Pick<AppContext, 'config' | 'cache' | 'clock' | 'metrics'>,
  files: FileStore,
) {
  const { config, cache, clock, metrics } = ctx
  // A SQLite file is summarised on a worker thread; an in-memory one (nothing else can open it)
  // and PostgreSQL through the store, on this thread.
  const workerDatabase = store.summaryWorkerDatabase
  const runner = workerDatabase === undefined ? undefined : createSummaryRunner(workerDatabase)
  const snapshots = createSnapshotStore(files, config.SNAPSHOT_KEEP)

  const inFlight = new Map<string, Promise<Summary>>()

  const compute = (range: ReportRange, onTiming?: TimingSink) =>
    runner
      ? runner.compute(range, config.LOW_STOCK_THRESHOLD, onTiming)
      : store.readSummary((queries) => computeSummary(queries, range, config.LOW_STOCK_THRESHOLD, onTiming))

  /**
   * The summary of a range, from the cache when a fresh one is there. Expiry is judged by the
   * injected clock (so tests move time instead of sleeping); the LRU's own TTL only evicts.
   */
  async function summary(query: { from?: string; to?: string }, onTiming?: TimingSink): Promise<Summary> {
    const range = parseRange(query, clock.now())
    const key = cacheKeys.report(range.from, range.to)
    const cached = cachedLookup<CachedSummary>(cache, metrics, 'report', key)
    if (cached && cached.expiresAt > clock.now().getTime()) return cached.summary
    // Callers asking for a range already being computed share that computation.
    const running = inFlight.get(key)
    if (running) return running
    const computing = compute(range, onTiming)
      .then((fresh) => {
        cache.set(key, { summary: fresh, expiresAt: clock.now().getTime() + SUMMARY_TTL_MS }, { ttl: SUMMARY_TTL_MS })
        return fresh
      })
      .finally(() => inFlight.delete(key))
    inFlight.set(key, computing)
    return computing
  }

  /** Computes the default-range summary now (never cached) and stores it as a snapshot. */
  async function takeSnapshot(): Promise<SnapshotInfo> {
    const at = clock.now()
    return snapshots.write(await compute(defaultRange(at)), at)
  }

  return {
    summary,
    ordersCsv: (query: { from?: string; to?: string }) => {
      const range = parseRange(query, clock.now())
      return { range, stream: ordersCsvStream(store.orderLines, range) }
    },
    takeSnapshot,
    listSnapshots: snapshots.list,
    snapshotFile: snapshots.file,
    /** Ends the summary worker, if one runs. */
    close: () => runner?.close(),
  }
}

export type ReportsService = ReturnType<typeof createReportsService>
