import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { scheduledJobs, startScheduler, type JobRun, type Scheduler } from '../../src/jobs/scheduler.ts'
import { SNAPSHOT_NAME } from '../../src/modules/reports/snapshots.ts'
import { createLogger } from '../../src/lib/logger.ts'
import { sql } from 'drizzle-orm'
import { createTestApp, createUser, json, onPostgres, type TestApp } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Every wait below ends on an event; this deadline only turns a hang into a clear failure.
const DEADLINE_MS = 10_000

/** Resolves with the first run that matches, rejects after the deadline. */
function nextRun(scheduler: Scheduler, match: (run: JobRun) => boolean): Promise<JobRun> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error('no matching job run before the deadline'))
    }, DEADLINE_MS)
    const stop = scheduler.onRun((run) => {
      if (!match(run)) return
      clearTimeout(timer)
      stop()
      resolve(run)
    })
  })
}

const apps: TestApp[] = []
const app = async (env: Record<string, string> = {}) => {
  const t = await createTestApp(env)
  apps.push(t)
  return t
}
afterAll(async () => {
  for (const t of apps) await t.close()
})

describe('the scheduler', () => {
  test('createApp starts no job', async () => {
    const t = await app({ REPORT_CRON: '* * * * * *' })
    expect((t.app.store as Record<string, unknown>).cron).toBeUndefined()
  })

  test('REPORT_CRON writes a report snapshot on schedule', async () => {
    const t = await app({ REPORT_CRON: '* * * * * *' })
    const admin = await createUser(t, { role: 'admin' })
    const scheduler = startScheduler(t.ctx, scheduledJobs(t.ctx, t.services))
    try {
      const run = await nextRun(scheduler, (r) => r.job === 'report-snapshot')
      expect(run.outcome).toBe('success')
      const name = (run.result as { name: string }).name
      expect(name).toMatch(SNAPSHOT_NAME)
      // On SQLite a file under DATA_DIR/reports; on PostgreSQL a row of `files`, which every replica serves.
      if (!onPostgres) expect(existsSync(join(t.dir, 'reports', name))).toBe(true)
      const listed = await json(await t.request('/admin/reports/snapshots', { token: admin.token }))
      expect(listed.items.map((item: { name: string }) => item.name)).toContain(name)
      const stored = await t.request(`/admin/reports/snapshots/${name}`, { token: admin.token })
      expect(stored.status).toBe(200)
      expect(await json(stored)).toMatchObject({ name, summary: { from: expect.any(String), to: expect.any(String) } })
    } finally {
      await scheduler.stop()
    }
  })

  // SQLite only: the backup job copies the SQLite file (checked here with PRAGMA integrity_check);
  // a PostgreSQL server is backed up by its own tools (pg_dump, base backups), not by Kiosk.
  test.skipIf(onPostgres)('BACKUP_CRON writes verified backups into DATA_DIR/backups and keeps BACKUP_KEEP of them', async () => {
    const t = await app({ BACKUP_CRON: '* * * * * *', BACKUP_KEEP: '2' })
    await createUser(t)
    const scheduler = startScheduler(t.ctx, scheduledJobs(t.ctx, t.services))
    // Backups are named by the (manual) clock: move it on after each one.
    scheduler.onRun(() => t.clock.advance(1000))
    try {
      for (let i = 0; i < 3; i++) {
        const run = await nextRun(scheduler, (r) => r.job === 'backup')
        expect(run.outcome).toBe('success')
      }
    } finally {
      await scheduler.stop()
    }
    const files = readdirSync(join(t.dir, 'backups'))
    expect(files).toHaveLength(2)
    for (const file of files) {
      const copy = new Database(join(t.dir, 'backups', file), { readonly: true })
      expect(copy.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
      expect(copy.query<{ n: number }, []>('SELECT count(*) AS n FROM users').get()!.n).toBe(1)
      copy.close()
    }
  })

  test('a failing job is logged and counted, and neither stops its schedule nor the app', async () => {
    const t = await app()
    const lines: Record<string, unknown>[] = []
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) })
    let attempts = 0
    const scheduler = startScheduler({ ...t.ctx, logger }, [
      {
        name: 'flaky',
        pattern: '* * * * * *',
        run: () => {
          attempts++
          throw new Error('disk on fire')
        },
      },
    ])
    try {
      const first = await nextRun(scheduler, (r) => r.job === 'flaky')
      expect(first.outcome).toBe('failure')
      expect((first.error as Error).message).toBe('disk on fire')
      await nextRun(scheduler, (r) => r.job === 'flaky')
      expect(attempts).toBeGreaterThanOrEqual(2)
      expect((await t.request('/health/ready')).status).toBe(200)
      const logged = lines.find((line) => line.msg === 'job run' && line.job === 'flaky')!
      expect(logged).toMatchObject({ level: 50, outcome: 'failure', duration_ms: expect.any(Number), err: { message: 'disk on fire' } })
    } finally {
      await scheduler.stop()
    }
  })

  test('a run never overlaps the previous run of the same job', async () => {
    const t = await app()
    let running = 0
    let overlapped = false
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const scheduler = startScheduler(t.ctx, [
      {
        name: 'slow',
        pattern: '* * * * * *',
        run: async () => {
          running++
          if (running > 1) overlapped = true
          await gate
          running--
        },
      },
    ])
    try {
      const skipped = await nextRun(scheduler, (r) => r.job === 'slow')
      expect(skipped.outcome).toBe('skipped')
      release()
      expect((await nextRun(scheduler, (r) => r.job === 'slow' && r.outcome !== 'skipped')).outcome).toBe('success')
      expect(overlapped).toBe(false)
    } finally {
      release()
      await scheduler.stop()
    }
  })

  test('stop() ends every schedule and waits for a run in progress', async () => {
    const t = await app()
    let started!: () => void
    const hasStarted = new Promise<void>((resolve) => (started = resolve))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let finished = false
    const scheduler = startScheduler(t.ctx, [
      {
        name: 'long',
        pattern: '* * * * * *',
        run: async () => {
          started()
          await gate
          finished = true
        },
      },
    ])
    await hasStarted
    let stopped = false
    const stopping = scheduler.stop().then(() => (stopped = true))
    await new Promise((resolve) => setImmediate(resolve))
    expect(stopped).toBe(false)
    expect(scheduler.jobs.long!.nextRun()).toBeNull()
    release()
    await stopping
    expect(finished).toBe(true)
  })

  test('an invalid pattern is refused at start, naming the job', async () => {
    const t = await app()
    expect(() => startScheduler(t.ctx, [{ name: 'odd', pattern: '61 * * * *', run: () => {} }])).toThrow(/job odd/)
  })
})

describe('the scheduler behind a leader lease', () => {
  test('a tick runs only while shouldRun() says this process leads', async () => {
    const t = await app()
    // Follower at the first tick, leader from the second on.
    const asked: boolean[] = []
    const ran: number[] = []
    const scheduler = startScheduler(t.ctx, [{ name: 'tick', pattern: '* * * * * *', run: () => ran.push(asked.length) }], {
      shouldRun: () => {
        asked.push(asked.length > 0)
        return asked.at(-1)!
      },
    })
    try {
      await nextRun(scheduler, (run) => run.job === 'tick')
      expect(asked).toEqual([false, true])
      expect(ran).toEqual([2])
    } finally {
      await scheduler.stop()
    }
  })

  test('two processes that both believe they lead (a lease changing hands) run each tick once: the tick is claimed in the database', async () => {
    const t = await app()
    const ticks: { by: string; at: string }[] = []
    const claim = (holder: string) => (job: string, tick: Date) => t.services.stores.leases.claimTick(job, tick.toISOString(), holder, Date.now())
    const start = (holder: string) =>
      startScheduler(t.ctx, [{ name: 'claimed', pattern: '* * * * * *', run: () => void ticks.push({ by: holder, at: new Date().toISOString() }) }], {
        shouldRun: () => true,
        claimTick: claim(holder),
      })
    const [first, second] = [start('first'), start('second')]
    try {
      // Three runs, whichever process wins each tick.
      let runs = 0
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('fewer than 3 runs before the deadline')), DEADLINE_MS)
        for (const scheduler of [first, second]) scheduler.onRun(() => ++runs === 3 && (clearTimeout(timer), resolve()))
      })
    } finally {
      await first.stop()
      await second.stop()
    }
    const claimed = await t.sql<{ tick: string; holder: string }>(sql`SELECT tick, holder FROM job_ticks WHERE job = 'claimed' ORDER BY tick`)
    // Every run has its own claimed tick (its scheduled second, the same in every process), and no tick has two runs.
    expect(claimed.every((row) => row.tick.endsWith('.000Z'))).toBe(true)
    expect(claimed.length).toBe(ticks.length)
    expect(new Set(claimed.map((row) => row.tick)).size).toBe(claimed.length)
    expect(claimed.map((row) => row.holder).sort()).toEqual(ticks.map((run) => run.by).sort())
    expect(await t.services.stores.leases.claimTick('claimed', claimed[0]!.tick, 'third', Date.now())).toBe(false)
  })
})
