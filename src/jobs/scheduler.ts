import { cron } from '@elysiajs/cron'
import type { Cron } from 'croner'
import { Elysia } from 'elysia'
import { join, resolve } from 'node:path'
import type { AppContext } from '../context.ts'
import { rotatingBackup } from './backup-runner.ts'
import { CACHE_CHANGE_RETENTION_MS } from '../lib/cache-coherence.ts'
import { SCHEDULE_OPTIONS, tickOf } from './tick.ts'
import type { Services } from '../services.ts'

/**
 * Background jobs on cron patterns (UTC), through @elysiajs/cron (croner). Every run is logged
 * with its duration and outcome and counted in `job_runs_total{job,outcome}`; a run never
 * overlaps the previous run of the same job (it is skipped and counted as `skipped`); a failing
 * run is logged and counted, never thrown, so it can't take the server down. Nothing starts on
 * import or in createApp: `kiosk serve` starts the scheduler and stops it before closing the
 * database; tests start it with their own patterns.
 */

export interface JobDefinition {
  name: string
  /** Five or six cron fields, UTC. */
  pattern: string
  run(): unknown
  /** Releases what the job holds (called once the scheduler has stopped). */
  stop?(): void
}

export type JobOutcome = 'success' | 'failure' | 'skipped'

export interface JobRun {
  job: string
  outcome: JobOutcome
  durationMs: number
  result?: unknown
  error?: unknown
}

/** How long claimed ticks are kept: far longer than any clock skew or lease between processes. */
export const JOB_TICK_RETENTION_MS = 86_400_000

/**
 * The one place jobs are registered. Other features add theirs to this list (the orders'
 * idempotency-key sweep, the webhooks' housekeeping), each a small function of the context.
 */
export function scheduledJobs(ctx: AppContext, services: Pick<Services, 'orders' | 'reports' | 'stores'>): JobDefinition[] {
  const { reports } = services
  const { limits, cacheChanges, leases } = services.stores
  return [
    // Idempotency keys live 24 h; lookups already ignore expired ones, this keeps the table small.
    { name: 'idempotency-sweep', pattern: '15 * * * *', run: () => services.orders.sweepIdempotencyKeys() },
    // Used, superseded and expired reset/verification tokens never work again: their hashes go.
    { name: 'account-token-sweep', pattern: '45 * * * *', run: () => services.stores.recovery.sweep(ctx.clock.now().toISOString()) },
    // State shared by every process in the database: rate-limit events and known addresses that no
    // longer count, and cache changes every process has long since followed.
    {
      name: 'shared-state-prune',
      pattern: '*/5 * * * *',
      run: async () => ({
        ...(await limits.prune(ctx.clock.now().getTime())),
        cacheChanges: await cacheChanges.prune(Date.now() - CACHE_CHANGE_RETENTION_MS),
        jobTicks: await leases.pruneTicks(Date.now() - JOB_TICK_RETENTION_MS),
      }),
    },
    { name: 'report-snapshot', pattern: ctx.config.REPORT_CRON, run: () => reports.takeSnapshot(), stop: () => reports.close() },
    // The SQLite file's rotating copies; on PostgreSQL backups are PostgreSQL's job (pg_dump, base backups).
    ...(ctx.database.dialect === 'sqlite'
      ? [
          {
            name: 'backup',
            pattern: ctx.config.BACKUP_CRON,
            run: () =>
              rotatingBackup(ctx.config.DATABASE_PATH, join(resolve(ctx.config.DATA_DIR), 'backups'), ctx.config.BACKUP_KEEP, ctx.clock.now()),
          },
        ]
      : []),
  ]
}

export interface Scheduler {
  /** The croner instances by job name (next run, pause...). */
  readonly jobs: Record<string, Cron>
  /** Calls `listener` after every run; returns the unsubscribe function. */
  onRun(listener: (run: JobRun) => void): () => void
  /** Stops every job and waits for runs in progress to end. */
  stop(): Promise<void>
}

export interface SchedulerOptions {
  /**
   * Asked at every tick: false skips it silently. With several processes on one database, only
   * the holder of the leader lease (src/jobs/leader.ts) runs jobs; every process keeps the timers.
   */
  shouldRun?: () => boolean
  /**
   * Claims a scheduled run (job, scheduled time) before it starts; false means another process
   * ran it. The lease picks who runs, the claim makes each tick run once even while the lease
   * changes hands (an old leader late on its last tick and the new one on its first).
   */
  claimTick?: (job: string, tick: Date) => Promise<boolean>
}

export function startScheduler(ctx: AppContext, jobs: JobDefinition[], options: SchedulerOptions = {}): Scheduler {
  const shouldRun = options.shouldRun ?? (() => true)
  const { claimTick } = options
  const { logger, metrics } = ctx
  const listeners = new Set<(run: JobRun) => void>()
  const inFlight = new Map<string, Promise<void>>()

  const report = (run: JobRun) => {
    metrics.jobRuns.inc({ job: run.job, outcome: run.outcome })
    for (const listener of listeners) {
      try {
        listener(run)
      } catch (error) {
        logger.error({ err: error, job: run.job }, 'job run listener failed')
      }
    }
  }

  const execute = async (job: JobDefinition) => {
    const started = performance.now()
    try {
      const result = await job.run()
      const durationMs = performance.now() - started
      metrics.jobDuration.observe({ job: job.name }, durationMs / 1000)
      metrics.jobLastSuccess.set({ job: job.name }, Date.now() / 1000)
      logger.info({ job: job.name, outcome: 'success', duration_ms: Math.round(durationMs), result }, 'job run')
      report({ job: job.name, outcome: 'success', durationMs, result })
    } catch (error) {
      const durationMs = performance.now() - started
      metrics.jobDuration.observe({ job: job.name }, durationMs / 1000)
      logger.error({ job: job.name, outcome: 'failure', duration_ms: Math.round(durationMs), err: error }, 'job run')
      report({ job: job.name, outcome: 'failure', durationMs, error })
    }
  }

  const trigger = (job: JobDefinition) => {
    // croner's `protect` already skips a tick while the last run is busy; this flag is the
    // guarantee that holds whoever calls (and lets stop() wait for the run).
    if (inFlight.has(job.name)) return skipped(job)
    const running = execute(job).finally(() => inFlight.delete(job.name))
    inFlight.set(job.name, running)
    return running
  }

  const skipped = (job: JobDefinition) => {
    logger.warn({ job: job.name, outcome: 'skipped' }, 'job run skipped: the previous run is still going')
    report({ job: job.name, outcome: 'skipped', durationMs: 0 })
  }

  const schedule = (app: Elysia, job: JobDefinition) =>
    app.use(
      cron({
        name: job.name,
        pattern: job.pattern,
        ...SCHEDULE_OPTIONS,
        protect: () => skipped(job),
        // trigger() never rejects; `catch` is the last guard that keeps a timer callback from
        // ever becoming an unhandled rejection.
        catch: (error: unknown) => logger.error({ err: error, job: job.name }, 'job runner failed'),
        // The tick is named from the very Cron that fired (`crons`, filled once every job is scheduled).
        run: () => {
          if (!shouldRun()) return undefined
          if (!claimTick) return trigger(job)
          return claimTick(job.name, tickOf(crons[job.name]!, new Date())).then(
            (mine) => (mine ? trigger(job) : undefined),
            (error: unknown) => logger.warn({ err: error, job: job.name }, 'job tick not claimed (the database did not answer): skipped'),
          )
        },
      }),
    ) as unknown as Elysia
  const cronsOf = (app: Elysia) => (app.store as { cron?: Record<string, Cron> }).cron ?? {}

  let scheduler = new Elysia({ name: 'kiosk/scheduler' }) as unknown as Elysia
  for (const job of jobs) {
    try {
      scheduler = schedule(scheduler, job)
    } catch (error) {
      for (const started of Object.values(cronsOf(scheduler))) started.stop()
      throw new Error(`job ${job.name}: cannot schedule "${job.pattern}": ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  const crons: Record<string, Cron> = cronsOf(scheduler)
  logger.info(
    { jobs: jobs.map((job) => ({ name: job.name, pattern: job.pattern, next_run: crons[job.name]?.nextRun()?.toISOString() })) },
    'scheduler started',
  )

  return {
    jobs: crons,
    onRun(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async stop() {
      for (const job of Object.values(crons)) job.stop()
      await Promise.all(inFlight.values())
      for (const job of jobs) job.stop?.()
      logger.info('scheduler stopped')
    },
  }
}
