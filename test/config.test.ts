import { describe, expect, test } from 'bun:test'
import { ConfigError, describeSettings, loadConfig, parseDotEnv, SETTINGS } from '../src/config.ts'

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

  test.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['SIGNUP_ENABLED', 'maybe'],
    ['ACCESS_TOKEN_TTL', '15 minutes'],
    ['LOG_LEVEL', 'loud'],
    ['STORE_CURRENCY', 'usd'],
    ['REPORT_CRON', 'daily'],
    ['BODY_LIMIT', '1'],
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
