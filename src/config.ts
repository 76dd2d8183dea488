import { cronPattern } from './jobs/tick.ts'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

/**
 * Every setting Kiosk reads, parsed and validated once. This file is the only reader of
 * process.env; everything else receives a typed `Config`.
 */

/** Every bad setting at once: one `NAME: reason` line each, so a fix is not a guessing game. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: string[]
  constructor(problems: string | string[]) {
    const list = typeof problems === 'string' ? [problems] : problems
    super(list.join('\n'))
    this.problems = list
  }
}

type Parser<T> = (raw: string, name: string) => T

const fail = (name: string, message: string): never => {
  throw new ConfigError(`${name}: ${message}`)
}

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> =>
  (raw, name) => {
    if (!/^\d+$/.test(raw.trim())) fail(name, `expected an integer, got "${raw}"`)
    const value = Number(raw)
    if (value < min || value > max) fail(name, `must be between ${min} and ${max}, got ${value}`)
    return value
  }

const bool: Parser<boolean> = (raw, name) => {
  const value = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  return fail(name, `expected true or false, got "${raw}"`)
}

const text: Parser<string> = (raw) => raw

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw, name) =>
    values.includes(raw as T) ? (raw as T) : fail(name, `expected one of ${values.join(', ')}, got "${raw}"`)

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration in milliseconds: `900` (seconds), `15m`, `30d`, `500ms`. */
const duration =
  (minMs: number): Parser<number> =>
  (raw, name) => {
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim())
    if (!match) return fail(name, `expected a duration such as 900, 15m, 30d or 500ms, got "${raw}"`)
    const ms = Number(match[1]) * UNITS[match[2] ?? 's']!
    if (ms < minMs) fail(name, `must be at least ${minMs} ms`)
    return ms
  }

/** Bun's idle timeout: whole seconds, 0 (never) to 255 (Bun's largest). Kept in ms like every duration. */
const idleTimeout: Parser<number> = (raw, name) => {
  const ms = duration(0)(raw, name)
  if (ms % 1000 !== 0 || ms > 255_000) fail(name, `must be whole seconds from 0 to 255s (Bun's limit), got "${raw}"`)
  return ms
}

/** A byte size: `1048576`, `512kb`, `5mb`. */
const bytes: Parser<number> = (raw, name) => {
  const match = /^(\d+)(b|kb|mb)?$/i.exec(raw.trim())
  if (!match) return fail(name, `expected a size such as 1048576, 512kb or 5mb, got "${raw}"`)
  const factor = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb']
  const value = Number(match[1]) * factor
  if (value < 1024) fail(name, 'must be at least 1kb')
  return value
}

const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

/**
 * A five- or six-field cron pattern (UTC), checked by croner, the library @elysiajs/cron schedules
 * with, so every command (migrate too) refuses what the scheduler would refuse at start-up.
 */
const cron: Parser<string> = (raw, name) => {
  const pattern = raw.trim()
  const fields = pattern.split(/\s+/)
  if (fields.length < 5 || fields.length > 6) fail(name, `expected a cron pattern with 5 or 6 fields, got "${raw}"`)
  let next: Date | null
  try {
    // Parsed and computed as the scheduler will (src/jobs/tick.ts); nothing is scheduled.
    next = cronPattern(pattern).nextRun()
  } catch (error) {
    return fail(name, `not a valid cron pattern "${raw}": ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!next) fail(name, `the cron pattern "${raw}" never runs`)
  return pattern
}

/** A number of worker processes, or `auto`: one per core. */
const workers: Parser<number> = (raw, name) => (raw.trim().toLowerCase() === 'auto' ? availableParallelism() : int(1, 64)(raw, name))

/** A PostgreSQL connection URL (postgres:// or postgresql://); the password is never echoed back in an error. */
const postgresUrl: Parser<string> = (raw, name) => {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return fail(name, 'expected a URL such as postgres://user:password@host:5432/kiosk')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    fail(name, `expected postgres:// or postgresql://, got "${url.protocol}//" (unset it for SQLite at DATABASE_PATH)`)
  }
  if (!url.hostname && !url.searchParams.has('host')) fail(name, 'the URL names no host')
  return raw.trim()
}

/** A Redis connection URL (redis:// or rediss:// for TLS); like postgresUrl, the password is never echoed back. */
const redisUrl: Parser<string> = (raw, name) => {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return fail(name, 'expected a URL such as redis://:password@host:6379 or rediss://… (TLS)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') fail(name, `expected redis:// or rediss://, got "${url.protocol}//"`)
  if (!url.hostname) fail(name, 'the URL names no host')
  return raw.trim()
}

const currency: Parser<string> = (raw, name) =>
  /^[A-Z]{3}$/.test(raw) ? raw : fail(name, `expected an ISO 4217 code such as USD, got "${raw}"`)

interface Setting<T> {
  default: string | undefined
  description: string
  parse: Parser<T>
}

const setting = <T>(parse: Parser<T>, defaultValue: string | undefined, description: string): Setting<T> => ({
  parse,
  default: defaultValue,
  description,
})

/** The settings, in the order `kiosk --help` and the README list them. */
export const SETTINGS = {
  PORT: setting(int(0, 65535), '3000', 'TCP port to listen on'),
  HOST: setting(text, '0.0.0.0', 'address to bind'),
  NODE_ENV: setting(oneOf('development', 'production', 'test'), 'development', 'development, production or test'),
  DATA_DIR: setting(text, './data', 'folder for the database, images, report snapshots and backups'),
  DATABASE_PATH: setting(text, undefined, 'SQLite database file (default $DATA_DIR/kiosk.db)'),
  DATABASE_URL: setting(postgresUrl, undefined, 'postgres://… to run on PostgreSQL ≥ 15 instead of SQLite (unset: SQLite at DATABASE_PATH)'),
  DATABASE_POOL_MAX: setting(int(1, 1000), '20', 'PostgreSQL: connections in this process\'s pool'),
  DATABASE_DRIVER: setting(oneOf('bun', 'postgres-js'), 'bun', 'PostgreSQL client: bun (Bun.sql) or postgres-js (the fallback)'),
  REDIS_URL: setting(redisUrl, undefined, 'redis:// or rediss:// (PostgreSQL only): rate limits and cache invalidations shared through Redis; while it is down, requests that need it answer 503'),
  JWT_SECRET: setting(text, undefined, 'HS256 key for access tokens; ≥ 32 bytes, required in production'),
  ACCESS_TOKEN_TTL: setting(duration(1000), '15m', 'access token lifetime'),
  TOKEN_CLOCK_SKEW: setting(duration(0), '60s', 'how far in the future an access token\'s iat may be (clock skew) before it is refused'),
  REFRESH_TOKEN_TTL: setting(duration(1000), '30d', 'refresh token lifetime'),
  SIGNUP_ENABLED: setting(bool, 'true', 'allow POST /auth/register'),
  LOGIN_MAX_FAILURES: setting(int(1), '5', 'failed logins per account from one client address in LOGIN_WINDOW'),
  LOGIN_MAX_FAILURES_PER_ADDRESS: setting(int(1), '20', 'failed logins per client address in LOGIN_WINDOW'),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: setting(int(1), '100', 'failed logins per account from addresses it has not logged in from, in LOGIN_WINDOW'),
  LOGIN_KNOWN_ADDRESS_TTL: setting(duration(1000), '30d', 'how long a successful login exempts its address from the per-account limit'),
  LOGIN_WINDOW: setting(duration(1000), '15m', 'sliding window of the login rate limits'),
  REGISTER_MAX_PER_ADDRESS: setting(int(1), '10', 'registrations per client address per hour'),
  TRUST_PROXY: setting(bool, 'false', 'take the client address from X-Forwarded-For (only behind a proxy you run)'),
  LOG_LEVEL: setting(oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'), 'info', 'pino log level'),
  CORS_ORIGINS: setting(list, '', 'comma-separated origins allowed by CORS (none by default)'),
  BODY_LIMIT: setting(bytes, '1mb', 'largest request body, except image uploads'),
  SHUTDOWN_TIMEOUT: setting(duration(0), '10s', 'how long SIGTERM waits for in-flight requests'),
  REQUEST_TIMEOUT: setting(idleTimeout, '30s', 'how long a connection may go without a byte either way (a request still waiting for its answer included) before it is closed; whole seconds up to 255s, 0 for never; the admin summary and CSV export are exempt'),
  KIOSK_WORKERS: setting(workers, '1', 'worker processes serving one port (auto: one per core); above 1, kiosk serve supervises them'),
  LEADER_LEASE: setting(duration(1000), '10s', 'lease of the process that runs the scheduled jobs, renewed every third of it; after the leader dies another takes over within this plus one renewal'),
  STORE_CURRENCY: setting(currency, 'USD', 'the store currency (ISO 4217), echoed on orders'),
  CACHE_MAX_ENTRIES: setting(int(1), '10000', 'entries in the in-process LRU cache'),
  CACHE_TTL: setting(duration(1000), '5m', 'lifetime of a cache entry'),
  IMAGE_MAX_BYTES: setting(bytes, '5mb', 'largest product image'),
  IMAGE_MAX_PIXELS: setting(int(1), '40000000', 'largest product image in pixels (width × height, from its header)'),
  LOW_STOCK_THRESHOLD: setting(int(0), '5', 'stock at or under which a product is low (reports, webhooks)'),
  REPORT_CRON: setting(cron, '0 0 * * *', 'when the report snapshot job runs (UTC)'),
  SNAPSHOT_KEEP: setting(int(1), '30', 'report snapshots kept'),
  BACKUP_CRON: setting(cron, '30 3 * * *', 'when the backup job runs (UTC)'),
  BACKUP_KEEP: setting(int(1), '7', 'backups kept in $DATA_DIR/backups'),
  METRICS_TOKEN: setting(text, undefined, 'bearer token required by GET /metrics when set'),
  WEBHOOK_MAX_ATTEMPTS: setting(int(1, 50), '8', 'delivery attempts before a webhook delivery is failed'),
  WEBHOOK_TIMEOUT_MS: setting(int(100, 120_000), '5000', 'timeout of one webhook attempt'),
  WEBHOOK_CONCURRENCY: setting(int(1, 64), '4', 'webhook deliveries in flight at once'),
  WEBHOOK_ALLOW_PRIVATE: setting(bool, 'false', 'allow webhook targets on private, loopback or link-local addresses'),
  SMTP_URL: setting(
    (raw, name) => (/^smtps?:\/\/[^\s/]+/.test(raw.trim()) ? raw.trim() : fail(name, `expected smtp://user:pass@host:port or smtps://…, got "${raw}"`)),
    undefined,
    'SMTP server for outgoing email (smtp://user:pass@host:587, STARTTLS when offered; smtps:// for TLS); without it email routes answer 503',
  ),
  MAIL_FROM: setting(text, 'Kiosk <no-reply@localhost>', 'From address of outgoing email'),
  PUBLIC_URL: setting(
    (raw, name) => (/^https?:\/\/[^\s]+$/.test(raw.trim()) ? raw.trim().replace(/\/+$/, '') : fail(name, `expected an http(s) URL, got "${raw}"`)),
    'http://localhost:3000',
    'the shop front end that links in emails point to',
  ),
  PASSWORD_RESET_TTL: setting(duration(60_000), '30m', 'lifetime of a password reset token'),
  EMAIL_VERIFY_TTL: setting(duration(60_000), '2d', 'lifetime of an email verification token'),
  REQUIRE_VERIFIED_EMAIL: setting(bool, 'false', 'POST /orders is 403 for users whose email is not verified'),
  EMAIL_MAX_ATTEMPTS: setting(int(1, 50), '8', 'delivery attempts before an email is failed'),
} satisfies Record<string, Setting<unknown>>

type Settings = typeof SETTINGS
type Parsed = { [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never }

export interface Config extends Omit<Parsed, 'DATABASE_PATH' | 'JWT_SECRET' | 'METRICS_TOKEN' | 'SMTP_URL' | 'REDIS_URL'> {
  DATABASE_PATH: string
  JWT_SECRET: string
  /** True when JWT_SECRET was generated for this process (development only). */
  JWT_SECRET_GENERATED: boolean
  METRICS_TOKEN: string | undefined
  SMTP_URL: string | undefined
  REDIS_URL: string | undefined
  /**
   * Set (from KIOSK_SUPERVISED_PORT, never by operators) in the worker processes a supervisor
   * starts: the port they share with reusePort. Undefined in a supervisor or a single process.
   */
  SUPERVISED_PORT: number | undefined
}

/** The environment variable a supervisor sets for its workers (see src/cli/supervisor.ts). */
export const SUPERVISED_PORT_ENV = 'KIOSK_SUPERVISED_PORT'

export type Env = Record<string, string | undefined>

/** Parses `KEY=value` lines of a .env file; values already in the environment win. */
export function parseDotEnv(source: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of source.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (!match) continue
    let value = match[2]!
    const quoted = /^(['"])(.*)\1$/.exec(value)
    value = quoted ? quoted[2]! : value.replace(/\s+#.*$/, '')
    out[match[1]!] = value
  }
  return out
}

type SettingName = keyof Settings

/**
 * Parses the named settings only (a command reads what it needs: `healthcheck` has no use for
 * JWT_SECRET). Throws one ConfigError listing every bad one.
 */
export function loadSettings<K extends SettingName>(env: Env, names: readonly K[]): Pick<Parsed, K> {
  const values: Record<string, unknown> = {}
  const problems: string[] = []
  for (const name of names) {
    const spec = SETTINGS[name] as Setting<unknown>
    const raw = env[name]
    const source = raw === undefined || raw === '' ? spec.default : raw
    try {
      values[name] = source === undefined ? undefined : spec.parse(source, name)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(...error.problems)
    }
  }
  if (problems.length) throw new ConfigError(problems)
  return values as Pick<Parsed, K>
}

/** Reads every setting from an environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env): Config {
  const problems: string[] = []
  let values: Partial<Parsed> = {}
  try {
    values = loadSettings(env, Object.keys(SETTINGS) as SettingName[])
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems.push(...error.problems)
  }
  const config = values as unknown as Config
  if (config.DATA_DIR !== undefined) config.DATABASE_PATH ??= join(config.DATA_DIR, 'kiosk.db')

  // On SQLite every process already shares limits and cache changes through the file: a Redis
  // there would be a second source of truth, so it is refused rather than half used.
  if (config.REDIS_URL !== undefined && config.DATABASE_URL === undefined) {
    problems.push('REDIS_URL: needs DATABASE_URL (PostgreSQL); on SQLite processes share limits and cache changes through the database file (unset REDIS_URL)')
  }

  const secret = env.JWT_SECRET === '' ? undefined : env.JWT_SECRET
  if (secret !== undefined && Buffer.byteLength(secret) < 32) {
    problems.push('JWT_SECRET: must be at least 32 bytes')
  }
  if (secret === undefined) {
    if (config.NODE_ENV === 'production' || (config.NODE_ENV === undefined && env.NODE_ENV === 'production')) {
      problems.push('JWT_SECRET: is required in production (at least 32 bytes)')
    }
    config.JWT_SECRET = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
    config.JWT_SECRET_GENERATED = true
  } else {
    config.JWT_SECRET_GENERATED = false
  }
  const supervised = env[SUPERVISED_PORT_ENV]
  config.SUPERVISED_PORT = supervised === undefined || supervised === '' ? undefined : Number(supervised)
  if (problems.length) throw new ConfigError(problems)
  return config
}

/** The process environment merged over `.env` in the working folder, if there is one. */
export async function readEnvironment(cwd = process.cwd()): Promise<Env> {
  const file = Bun.file(join(cwd, '.env'))
  const fromFile = (await file.exists()) ? parseDotEnv(await file.text()) : {}
  return { ...fromFile, ...process.env }
}

/** One line per setting, for `kiosk --help` and the README. */
export function describeSettings(): string {
  return Object.entries(SETTINGS)
    .map(([name, spec]) => `  ${name.padEnd(32)}${spec.description}${spec.default ? ` (default ${spec.default})` : ''}`)
    .join('\n')
}
