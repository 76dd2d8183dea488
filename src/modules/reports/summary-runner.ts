import { WORKERS } from '../../workers.ts'
import type { Summary } from './model.ts'
import type { ReportRange } from './range.ts'
import type { SummaryReply, SummaryRequest } from './summary-worker.ts'
import type { TimingSink } from './summary.ts'

/** How long an idle summary worker lives before it is ended (a new one starts on demand). */
export const WORKER_IDLE_MS = 15_000

interface Pending {
  resolve(summary: Summary): void
  reject(error: Error): void
  onTiming?: TimingSink
}

/**
 * Runs summaries on one worker thread with its own read-only connection (see summary.ts for
 * the measurements behind this). The worker starts on first use and ends after
 * WORKER_IDLE_MS without work; it never keeps the process alive. If it dies, the summaries in
 * flight fail (a 500) and the next one starts a new worker.
 */
export function createSummaryRunner(databasePath: string) {
  let worker: Worker | undefined
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 0
  const pending = new Map<number, Pending>()

  const dispose = (reason?: Error) => {
    worker?.terminate()
    worker = undefined
    for (const [id, waiter] of pending) {
      pending.delete(id)
      waiter.reject(reason ?? new Error('the summary worker stopped'))
    }
  }

  const start = () => {
    const started = new Worker(WORKERS.reportSummary)
    // Bun's Worker has unref(); the cast keeps this compiling where a DOM lib makes `Worker` the browser's.
    ;(started as Worker & { unref(): void }).unref()
    started.onmessage = (event: MessageEvent<SummaryReply>) => {
      const reply = event.data
      const waiter = pending.get(reply.id)
      if (!waiter) return
      pending.delete(reply.id)
      if ('error' in reply) return waiter.reject(new Error(`summary failed: ${reply.error}`))
      for (const [part, ms] of reply.timings) waiter.onTiming?.(part, ms)
      waiter.resolve(reply.summary as Summary)
      if (!pending.size) idleTimer = setTimeout(() => dispose(), WORKER_IDLE_MS).unref()
    }
    started.onerror = (event) => dispose(new Error(`the summary worker failed: ${event.message}`))
    started.postMessage({ init: databasePath } satisfies SummaryRequest)
    return started
  }

  return {
    compute(range: ReportRange, lowStockThreshold: number, onTiming?: TimingSink): Promise<Summary> {
      clearTimeout(idleTimer)
      worker ??= start()
      const id = nextId++
      return new Promise<Summary>((resolve, reject) => {
        pending.set(id, { resolve, reject, onTiming })
        worker!.postMessage({ id, range, lowStockThreshold } satisfies SummaryRequest)
      })
    },
    close: () => {
      clearTimeout(idleTimer)
      dispose()
    },
  }
}

export type SummaryRunner = ReturnType<typeof createSummaryRunner>
