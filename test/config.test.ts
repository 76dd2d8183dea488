import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { availableParallelism } from 'node:os'
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureDataDir } from '../src/cli/data-dir.ts'
import { ConfigError, describeSettings, loadConfig, loadSettings, parseDotEnv, SETTINGS } from '../src/config.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const SECRET = 'x'.repeat(32)

describe('loadConfig', () => {
  test('defaults give a working development config with a generated secret', () => {
    const config = loadConfig({})
    expect(config.PORT).toBe(3000)
    expect(config.DATA_DIR).toBe('./data')
    expect(config.DATABASE_PATH).toBe('data/kiosk.db')
    expect(config.ACCESS_TOKEN_TTL).toBe(15 * 60 * 1000)
    expect(config.REFRESH_TOKEN_TTL).toBe(30 * 86_400_000)
    expect(config.BODY_LIMIT).toBe(1024 * 1024)
    expect(config.IMAGE_MAX_BYTES).toBe(5 * 1024 * 1024)
    expect(config.STORE_CURRENCY).toBe('USD')
    expect(config.CORS_ORIGINS).toEqual([])
    expect(config.JWT_SECRET_GENERATED).toBe(true)
    expect(Buffer.byteLength(config.JWT_SECRET)).toBeGreaterThanOrEqual(32)
  })

  test('parses durations, sizes, booleans and lists', () => {
    const config = loadConfig({
      ACCESS_TOKEN_TTL: '90',
      REFRESH_TOKEN_TTL: '2h',
      BODY_LIMIT: '512kb',
      SIGNUP_ENABLED: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      DATA_DIR: '/srv/kiosk',
    })
    expect(config.ACCESS_TOKEN_TTL).toBe(90_000)
    expect(config.REFRESH_TOKEN_TTL).toBe(7_200_000)
    expect(config.BODY_LIMIT).toBe(512 * 1024)
    expect(config.SIGNUP_ENABLED).toBe(false)
    expect(config.CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example'])
    expect(config.DATABASE_PATH).toBe('/srv/kiosk/kiosk.db')
  })

  test('REQUEST_TIMEOUT: whole seconds from 0 (never) to 255s, default 30s', () => {
    expect(loadConfig({}).REQUEST_TIMEOUT).toBe(30_000)
    expect(loadConfig({ REQUEST_TIMEOUT: '0' }).REQUEST_TIMEOUT).toBe(0)
    expect(loadConfig({ REQUEST_TIMEOUT: '4m' }).REQUEST_TIMEOUT).toBe(240_000)
    expect(() => loadConfig({ REQUEST_TIMEOUT: '5m' })).toThrow('REQUEST_TIMEOUT: must be whole seconds from 0 to 255s (Bun\'s limit), got "5m"')
  })

  test.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SIGNUP_ENABLED', 'maybe'],
    ['ACCESS_TOKEN_TTL', '15 minutes'],
    ['LOG_LEVEL', 'loud'],
    ['STORE_CURRENCY', 'usd'],
    ['REPORT_CRON', 'daily'],
    ['BODY_LIMIT', '1'],
    ['REQUEST_TIMEOUT', '256s'],
    ['REQUEST_TIMEOUT', '1500ms'],
  ])('a bad %s (%p) stops start-up with a line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `))
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError)
  })

  test('production refuses a missing or short JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET: is required in production/)
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 bytes/)
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })
    expect(config.JWT_SECRET).toBe(SECRET)
    expect(config.JWT_SECRET_GENERATED).toBe(false)
  })
})

describe('parseDotEnv', () => {
  test('reads KEY=value lines, quotes, comments and export', () => {
    expect(parseDotEnv('# comment\nPORT=8080\nexport HOST="127.0.0.1"\nNAME=\'a b\'\nX=1 # trailing\n\nbad line')).toEqual({
      PORT: '8080',
      HOST: '127.0.0.1',
      NAME: 'a b',
      X: '1',
    })
  })
})

test('describeSettings lists every setting with its default', () => {
  const text = describeSettings()
  for (const name of Object.keys(SETTINGS)) expect(text).toContain(name)
  expect(text).toContain('(default 3000)')
})

describe('every bad setting at once (issue 11, item 15)', () => {
  test('one ConfigError lists each bad setting, in the settings order', () => {
    let error: unknown
    try {
      loadConfig({ PORT: 'abc', BODY_LIMIT: 'x', NODE_ENV: 'production', JWT_SECRET: 'short' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).problems).toEqual([
      'PORT: expected an integer, got "abc"',
      'BODY_LIMIT: expected a size such as 1048576, 512kb or 5mb, got "x"',
      'JWT_SECRET: must be at least 32 bytes',
    ])
  })

  test('production without a secret is reported with the other problems', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'loud' })).toThrow(
      new ConfigError(['LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"', 'JWT_SECRET: is required in production (at least 32 bytes)']),
    )
  })

  test.each([
    ['REPORT_CRON', '61 * * * *', `REPORT_CRON: not a valid cron pattern "61 * * * *": CronPattern: minute value out of range: '61'`],
    ['BACKUP_CRON', '0 0 30 2 *', 'BACKUP_CRON: the cron pattern "0 0 30 2 *" never runs'],
    ['BACKUP_CRON', '0 0 * 13 *', `BACKUP_CRON: not a valid cron pattern "0 0 * 13 *": CronPattern: month value out of range: '13'`],
  ])('croner validates %s=%p', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new ConfigError(message))
  })

  test('croner accepts what the scheduler runs', () => {
    expect(loadConfig({ REPORT_CRON: '*/5 * * * *', BACKUP_CRON: '0 30 3 * * MON-FRI' })).toMatchObject({
      REPORT_CRON: '*/5 * * * *',
      BACKUP_CRON: '0 30 3 * * MON-FRI',
    })
  })

  test('loadSettings reads only the settings asked for', () => {
    expect(loadSettings({ PORT: '8080', JWT_SECRET: 'short', BODY_LIMIT: 'x', NODE_ENV: 'production' }, ['PORT', 'HOST'])).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
    })
    expect(() => loadSettings({ PORT: 'x' }, ['PORT', 'HOST'])).toThrow(new ConfigError('PORT: expected an integer, got "x"'))
  })
})

describe('ensureDataDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'kiosk-data-dir-'))

  test('creates a missing DATA_DIR with its parents', () => {
    const dir = join(root, 'a', 'b')
    ensureDataDir({ DATA_DIR: dir, DATABASE_PATH: join(dir, 'kiosk.db') })
    expect(statSync(dir).isDirectory()).toBe(true)
  })

  test('names DATA_DIR when it is a file, DATABASE_PATH when its folder is unusable; both at once', () => {
    const file = join(root, 'file')
    writeFileSync(file, '')
    expect(() => ensureDataDir({ DATA_DIR: file, DATABASE_PATH: join(file, 'sub', 'kiosk.db') })).toThrow(
      new ConfigError([`DATA_DIR: cannot create the folder ${file} (EEXIST)`, `DATABASE_PATH: cannot create the folder ${join(file, 'sub')} (ENOTDIR)`]),
    )
  })

  test('names DATA_DIR when this user cannot write to it (a root-owned bind mount)', () => {
    chmodSync(root, 0o755)
    const dir = join(root, 'read-only')
    mkdirSync(dir, { mode: 0o555 })
    const script = `const { ensureDataDir } = await import(${JSON.stringify(join(import.meta.dir, '../src/cli/data-dir.ts'))})
      try { ensureDataDir({ DATA_DIR: ${JSON.stringify(dir)}, DATABASE_PATH: ${JSON.stringify(join(dir, 'kiosk.db'))} }) } catch (e) { console.log(e.message) }`
    // Root may write anywhere: as root, the check runs as nobody (as a container's non-root user would).
    const asRoot = process.getuid?.() === 0
    const child = Bun.spawnSync([...(asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : []), process.execPath, '-e', script])
    const uid = asRoot ? 65534 : process.getuid!()
    expect(child.stdout.toString()).toBe(`DATA_DIR: the folder ${dir} is not writable by this user (uid ${uid}); give it to that user or run as its owner\n`)
  })
})

describe('worker mode settings', () => {
  test('KIOSK_WORKERS: 1 by default, a count, or auto (one per core); LEADER_LEASE a duration', () => {
    expect(loadConfig({}).KIOSK_WORKERS).toBe(1)
    expect(loadConfig({ KIOSK_WORKERS: '3' }).KIOSK_WORKERS).toBe(3)
    expect(loadConfig({ KIOSK_WORKERS: 'auto' }).KIOSK_WORKERS).toBe(availableParallelism())
    expect(loadConfig({}).LEADER_LEASE).toBe(10_000)
    expect(loadConfig({ LEADER_LEASE: '2s' }).LEADER_LEASE).toBe(2000)
    // Only a supervisor sets the port its workers share.
    expect(loadConfig({}).SUPERVISED_PORT).toBeUndefined()
    expect(loadConfig({ KIOSK_SUPERVISED_PORT: '4100' }).SUPERVISED_PORT).toBe(4100)
  })

  test('a bad KIOSK_WORKERS is one configuration error naming it', () => {
    for (const value of ['0', '65', 'two', '-1']) {
      expect(() => loadConfig({ KIOSK_WORKERS: value })).toThrow(new RegExp(`^KIOSK_WORKERS: `))
    }
    expect(() => loadConfig({ LEADER_LEASE: '500ms' })).toThrow('LEADER_LEASE: must be at least 1000 ms')
  })
})
