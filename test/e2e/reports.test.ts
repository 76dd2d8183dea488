import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkExposition } from '../http/exposition.ts'
import { onPostgres } from '../postgres.ts'
import { folderFiles } from './folder-database.ts'
import { EXECUTABLE, ensureExecutable, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const SECRET = 'e2e-secret-that-is-at-least-32-bytes-long'

// kiosk backup copies the SQLite file (a second bun:sqlite connection writes meanwhile); with
// DATABASE_URL it refuses, naming pg_dump (test/db/backup.test.ts).
describe.skipIf(onPostgres)('kiosk backup FILE against a running server under write load', () => {
  let kiosk: RunningKiosk
  let database: Database
  const env = { JWT_SECRET: SECRET }

  let inserted = 0
  const insertUsers = (count: number) => {
    const insert = database.prepare(
      "INSERT INTO users (id, email, name, password_hash, role, active, token_version, created_at, updated_at) VALUES (?, ?, 'Load', 'x', 'user', 1, 0, ?, ?)",
    )
    database.transaction(() => {
      for (let i = 0; i < count; i++) {
        const id = Bun.randomUUIDv7()
        const now = new Date().toISOString()
        insert.run(id, `${id}@load.example`, now, now)
      }
    })()
    inserted += count
  }

  beforeAll(async () => {
    kiosk = await startKiosk({ env })
    // The test writes through its own connection to the server's database, as a second process would.
    database = new Database(join(kiosk.dir, 'data', 'kiosk.db'))
    database.exec('PRAGMA busy_timeout = 5000')
    for (let i = 0; i < 40; i++) insertUsers(1000) // enough pages that the copy takes a while
  })
  afterAll(async () => {
    database?.close()
    if (kiosk?.process.exitCode === null) await kiosk.stop()
  })

  test('writes a copy that passes integrity_check while writes go on', async () => {
    const before = inserted
    let writing = true
    let batchesDuringBackup = 0
    const writer = (async () => {
      while (writing) {
        insertUsers(20)
        batchesDuringBackup++
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    const backup = await runKiosk(['backup', 'backup.db'], { dir: kiosk.dir, env })
    writing = false
    await writer

    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    expect(backup.stdout).toMatch(/backup written to .*backup\.db: \d+ bytes, integrity ok/)
    expect(batchesDuringBackup).toBeGreaterThan(0)

    const copy = new Database(join(kiosk.dir, 'backup.db'), { readonly: true })
    try {
      expect(copy.query('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }])
      expect(copy.query('PRAGMA foreign_key_check').all()).toEqual([])
      const rows = copy.query<{ n: number }, []>('SELECT count(*) AS n FROM users').get()!.n
      // A snapshot from some moment of the run: everything before, nothing that never happened.
      expect(rows).toBeGreaterThanOrEqual(before)
      expect(rows).toBeLessThanOrEqual(inserted)
    } finally {
      copy.close()
    }
    expect(readdirSync(kiosk.dir).filter((name) => name.includes('.partial'))).toEqual([])
    expect((await fetch(`${kiosk.url}/health/ready`)).status).toBe(200)
  })

  test('refuses a target that exists, exit code 1, the file untouched', async () => {
    const target = join(kiosk.dir, 'taken.db')
    writeFileSync(target, 'keep me')
    const result = await runKiosk(['backup', 'taken.db'], { dir: kiosk.dir, env })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('already exists; refusing to overwrite it')
    expect(readFileSync(target, 'utf8')).toBe('keep me')
  })

  test('refuses a folder it cannot write to, exit code 1, nothing created', async () => {
    await ensureExecutable()
    const folder = mkdtempSync(join(tmpdir(), 'kiosk-readonly-'))
    chmodSync(folder, 0o555)
    // root may write anywhere: run the command as nobody, as an operator without rights would.
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : []
    const child = Bun.spawn([...asNobody, EXECUTABLE, 'backup', join(folder, 'copy.db')], {
      cwd: folder,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, DATABASE_PATH: join(kiosk.dir, 'data', 'kiosk.db') },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
    expect(code).toBe(1)
    expect(stderr).toContain(`folder ${folder} is not writable`)
    expect(readdirSync(folder)).toEqual([])
  })

  test('without FILE prints its usage and exits 2', async () => {
    const result = await runKiosk(['backup'], { dir: kiosk.dir, env })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('usage: kiosk backup FILE')
  })
})

describe('kiosk serve runs the scheduled jobs', () => {
  let kiosk: RunningKiosk
  beforeAll(async () => {
    kiosk = await startKiosk({ env: { JWT_SECRET: SECRET, REPORT_CRON: '* * * * * *', BACKUP_CRON: '* * * * * *', BACKUP_KEEP: '2' } })
  })
  afterAll(async () => {
    if (kiosk?.process.exitCode === null) await kiosk.stop()
  })

  test('REPORT_CRON writes a snapshot into DATA_DIR/reports and logs the run', async () => {
    const line = await kiosk.waitForLog((l) => l.includes('"msg":"job run"') && l.includes('"job":"report-snapshot"'))
    const entry = JSON.parse(line)
    expect(entry).toMatchObject({ outcome: 'success', duration_ms: expect.any(Number) })
    // On PostgreSQL snapshots are rows of `files`, so every replica lists them.
    const stored = (await folderFiles(kiosk.dir, 'reports')).find((file) => file.name === entry.result.name)
    expect(stored).toBeDefined()
    expect(JSON.parse(stored!.bytes.toString('utf8'))).toMatchObject({ name: entry.result.name, summary: expect.any(Object) })
    expect(existsSync(join(kiosk.dir, 'data', 'reports', entry.result.name))).toBe(!onPostgres)
  })

  test.skipIf(onPostgres)('BACKUP_CRON writes a verified backup into DATA_DIR/backups', async () => {
    const line = await kiosk.waitForLog((l) => l.includes('"msg":"job run"') && l.includes('"job":"backup"'))
    const entry = JSON.parse(line)
    expect(entry).toMatchObject({ outcome: 'success', result: { integrity: 'ok' } })
    const copy = new Database(entry.result.path, { readonly: true })
    expect(copy.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    copy.close()
  })

  // Backups of PostgreSQL are PostgreSQL's job (pg_dump, base backups): no backup job is scheduled.
  test.skipIf(!onPostgres)('on PostgreSQL BACKUP_CRON runs no backup job and writes no file', async () => {
    await kiosk.waitForLog((l) => l.includes('"msg":"job run"') && l.includes('"job":"report-snapshot"'))
    await Bun.sleep(1500)
    expect(kiosk.logs.filter((l) => l.includes('"job":"backup"'))).toEqual([])
    expect(existsSync(join(kiosk.dir, 'data', 'backups'))).toBe(false)
  })

  test('GET /metrics scrapes cleanly and counts the job runs', async () => {
    const text = await (await fetch(`${kiosk.url}/metrics`)).text()
    const { problems, samples } = checkExposition(text)
    expect(problems).toEqual([])
    expect(samples.some((s) => s.name === 'job_runs_total' && s.labels.job === 'report-snapshot' && s.labels.outcome === 'success')).toBe(true)
    const promtool = Bun.which('promtool')
    if (promtool || process.env.CI) {
      const check = Bun.spawn([promtool ?? 'promtool', 'check', 'metrics'], { stdin: new Blob([text]), stdout: 'pipe', stderr: 'pipe' })
      expect(await check.exited).toBe(0)
    }
  })

  test('SIGTERM stops the scheduler before the database closes, and exits 0', async () => {
    expect(await kiosk.stop('SIGTERM')).toBe(0)
    const stopped = kiosk.logs.findIndex((l) => l.includes('"msg":"scheduler stopped"'))
    expect(stopped).toBeGreaterThan(-1)
    expect(stopped).toBeLessThan(kiosk.logs.findIndex((l) => l.includes('"msg":"stopped"')))
  })
})
