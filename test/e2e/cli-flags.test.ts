import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { COMMANDS } from '../../src/cli/commands.ts'
import { migrations } from '../../src/db/migrations.gen.ts'
import { migrations as postgresMigrations } from '../../src/db/pg/migrations.gen.ts'
import { onPostgres } from '../postgres.ts'
import { folderRow } from './folder-database.ts'
import { databaseEnv, emptyFolder, freshFolder, runKiosk, startKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('strict flags per command (issue 11, item 14)', () => {
  test.each([
    [['--verbose'], 'kiosk serve: unknown option --verbose; see kiosk serve --help'],
    [['serve', '--prot', '4000'], 'kiosk serve: unknown option --prot; see kiosk serve --help'],
    [['migrate', '--force'], 'kiosk migrate: unknown option --force; see kiosk migrate --help'],
    [['healthcheck', '-x'], 'kiosk healthcheck: unknown option -x; see kiosk healthcheck --help'],
    [['backup', 'a.db', '--overwrite'], 'kiosk backup: unknown option --overwrite; see kiosk backup --help'],
    [['backup'], 'kiosk backup: expected 1 argument; usage: kiosk backup FILE'],
    [['backup', 'a.db', 'b.db'], 'kiosk backup: expected 1 argument; usage: kiosk backup FILE'],
    [['migrate', 'now'], 'kiosk migrate: unexpected argument now; see kiosk migrate --help'],
    [['create-admin', '--email', 'a@b.example', '--admin'], 'kiosk create-admin: unknown option --admin; see kiosk create-admin --help'],
    [['seed', '--demo', '--product', '3'], 'kiosk seed: unknown option --product; see kiosk seed --help'],
    [['frobnicate'], 'kiosk: unknown command "frobnicate"; see kiosk --help'],
  ])('kiosk %p exits 2 naming what it did not understand', async (args, line) => {
    const dir = emptyFolder()
    const { code, stdout, stderr } = await runKiosk(args, { dir })
    expect(code).toBe(2)
    expect(stderr).toBe(`${line}\n`)
    expect(stdout).toBe('')
  })

  test('kiosk serve --port 4000 serves on the port given', async () => {
    // A free port: listen on 0, note it, close it.
    const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
    const port = probe.port!
    await probe.stop(true)
    const kiosk = await startKiosk({ args: ['serve', '--port', String(port)], env: { PORT: '3999' } })
    try {
      expect(new URL(kiosk.url).port).toBe(String(port))
      expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200)
    } finally {
      await kiosk.stop()
    }
  })

  test('a bad --port is a configuration error naming PORT', async () => {
    const { code, stderr } = await runKiosk(['serve', '--port', 'abc'])
    expect(code).toBe(78)
    expect(stderr).toBe('kiosk: configuration error: PORT: expected an integer, got "abc"\n')
  })

  test.each(Object.keys(COMMANDS))('kiosk %s --help prints its usage and exits 0 without reading settings', async (name) => {
    const command = COMMANDS[name as keyof typeof COMMANDS]
    // A broken setting must not stand in the way of reading the help.
    const { code, stdout, stderr } = await runKiosk([name, '--help'], { env: { PORT: 'broken' } })
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(stdout.split('\n')[0]).toBe(`Usage: kiosk ${command.usage}`)
    expect(stdout).toContain('  -h, --help   show this help')
  })

  test('kiosk --help lists each command with a space before its summary', async () => {
    const { code, stdout } = await runKiosk(['--help'])
    expect(code).toBe(0)
    for (const [name, command] of Object.entries(COMMANDS)) {
      expect(stdout).toMatch(new RegExp(`^  ${name} +${command.summary.replace(/[()]/g, '\\$&')}$`, 'm'))
    }
    // Every two-column line has at least two spaces between its columns.
    for (const line of stdout.split('\n').filter((l) => /^  [-A-Z_a-z]/.test(l))) expect(line).toMatch(/^  \S.*? {2,}\S/)
  })
})

describe('configuration (issue 11, item 15)', () => {
  test('every bad setting is reported at once, one line each, exit 78', async () => {
    const { code, stderr } = await runKiosk(['serve'], { env: { PORT: 'abc', BODY_LIMIT: 'x', BACKUP_CRON: '* * 31 2 *' } })
    expect(code).toBe(78)
    expect(stderr).toBe(
      [
        'kiosk: configuration error: PORT: expected an integer, got "abc"',
        'kiosk: configuration error: BODY_LIMIT: expected a size such as 1048576, 512kb or 5mb, got "x"',
        'kiosk: configuration error: BACKUP_CRON: the cron pattern "* * 31 2 *" never runs',
        '',
      ].join('\n'),
    )
  })

  test('a bad cron pattern stops migrate too, naming the variable', async () => {
    const dir = emptyFolder()
    const { code, stderr } = await runKiosk(['migrate'], { dir, env: { REPORT_CRON: '61 * * * *' } })
    expect(code).toBe(78)
    expect(stderr).toBe(`kiosk: configuration error: REPORT_CRON: not a valid cron pattern "61 * * * *": CronPattern: minute value out of range: '61'\n`)
  })

  test('an unusable DATA_DIR is one line naming the setting, exit 78', async () => {
    const dir = emptyFolder()
    writeFileSync(join(dir, 'a-file'), '')
    const { code, stderr } = await runKiosk(['migrate'], { dir, env: { DATA_DIR: './a-file/data' } })
    expect(code).toBe(78)
    expect(stderr).toBe('kiosk: configuration error: DATA_DIR: cannot create the folder ./a-file/data (ENOTDIR)\n')
  })

  test('healthcheck reads only PORT and HOST: no JWT_SECRET needed in production', async () => {
    const kiosk = await startKiosk()
    try {
      const port = new URL(kiosk.url).port
      const env = { NODE_ENV: 'production', JWT_SECRET: 'short', BODY_LIMIT: 'x', PORT: port, HOST: '127.0.0.1' }
      expect(await runKiosk(['healthcheck'], { env })).toEqual({ code: 0, stdout: '', stderr: '' })
      expect((await runKiosk(['healthcheck'], { env: { ...env, PORT: 'abc' } })).code).toBe(78)
    } finally {
      await kiosk.stop()
    }
  })

  // Which .env is read shows in the SQLite path DATA_DIR leads to: these runs are on SQLite in either pass.
  test('the executable reads ./.env and no other .env file', async () => {
    const dir = emptyFolder()
    for (const name of ['.env.local', '.env.production', '.env.development', '.env.test']) writeFileSync(join(dir, name), 'PORT=not-a-port\nDATA_DIR=./elsewhere\n')
    const ignored = await runKiosk(['migrate', '--status'], { dir, env: { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, sqlite: true })
    expect(ignored.code).toBe(0)
    expect(ignored.stdout.split('\n')[0]).toBe(`no database at data/kiosk.db yet; ${migrations.length} migrations pending:`)
    writeFileSync(join(dir, '.env'), 'DATA_DIR=./from-dotenv\n')
    const read = await runKiosk(['migrate', '--status'], { dir, sqlite: true })
    expect(read.stdout.split('\n')[0]).toBe(`no database at from-dotenv/kiosk.db yet; ${migrations.length} migrations pending:`)
    // The environment wins over ./.env.
    const env = await runKiosk(['migrate', '--status'], { dir, env: { DATA_DIR: './from-env' }, sqlite: true })
    expect(env.stdout.split('\n')[0]).toBe(`no database at from-env/kiosk.db yet; ${migrations.length} migrations pending:`)
  })

  test.skipIf(!onPostgres)('DATABASE_URL in ./.env puts the executable on PostgreSQL', async () => {
    const dir = freshFolder()
    const { DATABASE_URL } = await databaseEnv(dir)
    writeFileSync(join(dir, '.env'), `DATABASE_URL=${DATABASE_URL}\n`)
    const status = await runKiosk(['migrate', '--status'], { dir, sqlite: true })
    expect(status.code).toBe(0)
    expect(status.stdout.split('\n')[0]).toBe(`database ${DATABASE_URL}: 0 applied, ${postgresMigrations.length} pending`)
    expect(existsSync(join(dir, 'data'))).toBe(false)
  })
})

describe('kiosk migrate --status', () => {
  test.skipIf(onPostgres)('lists applied and pending migrations and changes nothing', async () => {
    const dir = emptyFolder()
    const fresh = await runKiosk(['migrate', '--status'], { dir })
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toBe(
      [`no database at data/kiosk.db yet; ${migrations.length} migrations pending:`, ...migrations.map((m) => `  pending  ${m.tag}`), ''].join('\n'),
    )
    expect(existsSync(join(dir, 'data'))).toBe(false)
    expect((await runKiosk(['migrate'], { dir })).code).toBe(0)
    const migrated = await runKiosk(['migrate', '--status'], { dir })
    expect(migrated.stdout).toBe(
      [`database data/kiosk.db: ${migrations.length} applied, 0 pending`, ...migrations.map((m) => `  applied  ${m.tag}`), ''].join('\n'),
    )
  })

  test.skipIf(!onPostgres)('on PostgreSQL lists applied and pending migrations and changes nothing', async () => {
    const dir = freshFolder()
    const { DATABASE_URL } = await databaseEnv(dir)
    const tables = async () =>
      (await folderRow<{ n: number }>(dir, "SELECT CAST(count(*) AS INTEGER) AS n FROM pg_tables WHERE schemaname IN ('public', 'drizzle')"))!.n
    const fresh = await runKiosk(['migrate', '--status'], { dir })
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toBe(
      [`database ${DATABASE_URL}: 0 applied, ${postgresMigrations.length} pending`, ...postgresMigrations.map((m) => `  pending  ${m.tag}`), ''].join('\n'),
    )
    expect(await tables()).toBe(0)
    expect(existsSync(join(dir, 'data'))).toBe(false)
    expect((await runKiosk(['migrate'], { dir })).code).toBe(0)
    const migrated = await runKiosk(['migrate', '--status'], { dir })
    expect(migrated.stdout).toBe(
      [`database ${DATABASE_URL}: ${postgresMigrations.length} applied, 0 pending`, ...postgresMigrations.map((m) => `  applied  ${m.tag}`), ''].join('\n'),
    )
  })
})
