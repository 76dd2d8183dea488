import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { version } from '../../package.json'
import { migrations as sqliteMigrations } from '../../src/db/migrations.gen.ts'
import { migrations as postgresMigrations } from '../../src/db/pg/migrations.gen.ts'
import { onPostgres } from '../postgres.ts'
import { folderRow } from './folder-database.ts'
import { freshFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const migrations = onPostgres ? postgresMigrations : sqliteMigrations
const migrationTable = onPostgres ? 'drizzle.__drizzle_migrations' : '"__drizzle_migrations"'

describe('kiosk in an empty folder with no configuration', () => {
  let kiosk: RunningKiosk
  beforeAll(async () => {
    // PostgreSQL: DATABASE_URL names an empty database, which start-up migrates.
    kiosk = await startKiosk({ dir: freshFolder() })
  })
  afterAll(async () => {
    if (kiosk.process.exitCode === null) await kiosk.stop()
  })

  test(onPostgres ? 'migrates the empty database at DATABASE_URL, creates no SQLite file, and is ready' : 'creates ./data/kiosk.db, migrates it and is ready', async () => {
    expect(existsSync(join(kiosk.dir, 'data', 'kiosk.db'))).toBe(!onPostgres)
    const recorded = await folderRow<{ n: number }>(kiosk.dir, `SELECT CAST(count(*) AS INTEGER) AS n FROM ${migrationTable}`)
    expect(recorded!.n).toBe(migrations.length)
    const response = await fetch(`${kiosk.url}/health/ready`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'ok', migrations: 'ok' } })
  })

  test('answers an unknown route with a problem, request id and security headers', async () => {
    const response = await fetch(`${kiosk.url}/nope`)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toStartWith('application/problem+json')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    const body = (await response.json()) as { request_id: string }
    expect(body.request_id).toBe(response.headers.get('x-request-id')!)
  })

  test('serves the docs page and its assets from inside the executable', async () => {
    for (const path of ['/docs', '/docs/json', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']) {
      expect((await fetch(`${kiosk.url}${path}`)).status).toBe(200)
    }
  })

  test('refuses an oversized body with a 413 problem', async () => {
    const response = await fetch(`${kiosk.url}/health/live`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) })
    expect(response.status).toBe(413)
    expect(response.headers.get('content-type')).toStartWith('application/problem+json')
  })

  test('logs one JSON line per request without secrets', async () => {
    await fetch(`${kiosk.url}/health/live`, { headers: { authorization: 'Bearer do-not-log-me' } })
    const line = await kiosk.waitForLog((l) => l.includes('"route":"/health/live"'))
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', status: 200, path: '/health/live' })
    expect(kiosk.logs.join('\n')).not.toContain('do-not-log-me')
  })

  test('drains and exits 0 on SIGTERM', async () => {
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  })
})

describe('kiosk commands', () => {
  test('--version prints the version', async () => {
    const { code, stdout } = await runKiosk(['--version'])
    expect(code).toBe(0)
    expect(stdout.trim()).toBe(version)
  })

  test('--help lists the commands and every setting', async () => {
    const { code, stdout } = await runKiosk(['--help'])
    expect(code).toBe(0)
    for (const word of ['serve', 'migrate', 'healthcheck', 'PORT', 'JWT_SECRET', 'DATA_DIR']) expect(stdout).toContain(word)
  })

  test('migrate creates and migrates the database, then is idempotent', async () => {
    const dir = freshFolder()
    const first = await runKiosk(['migrate'], { dir })
    expect(first.code).toBe(0)
    expect(first.stdout).toBe(`applied ${migrations.map((m) => m.tag).join(', ')}\n`)
    const second = await runKiosk(['migrate'], { dir })
    expect(second.stdout).toContain('up to date')
  })

  test('a bad setting stops start-up with one line naming it', async () => {
    const { code, stderr } = await runKiosk(['serve'], { env: { PORT: 'eighty' } })
    expect(code).toBe(78)
    expect(stderr.trim()).toBe('kiosk: configuration error: PORT: expected an integer, got "eighty"')
  })

  test('production without JWT_SECRET refuses to start', async () => {
    const { code, stderr } = await runKiosk(['serve'], { env: { NODE_ENV: 'production' } })
    expect(code).toBe(78)
    expect(stderr).toContain('JWT_SECRET')
  })

  test('healthcheck exits 0 against a ready server and 1 when none answers', async () => {
    const kiosk = await startKiosk()
    const port = new URL(kiosk.url).port
    expect((await runKiosk(['healthcheck'], { env: { PORT: port } })).code).toBe(0)
    expect(await kiosk.stop()).toBe(0)
    expect((await runKiosk(['healthcheck'], { env: { PORT: port } })).code).toBe(1)
  })

  test('an unknown command exits 2', async () => {
    expect((await runKiosk(['frobnicate'])).code).toBe(2)
  })
})
