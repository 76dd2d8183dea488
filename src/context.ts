import type { Config } from './config.ts'
import { openConfiguredDatabase, type DatabaseHandle } from './db/database.ts'
import { createCache, type Cache } from './lib/cache.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import { createLogger, type Logger } from './lib/logger.ts'
import { createMetrics, type Metrics } from './lib/metrics.ts'

const buildSigner = (plugin: typeof import('@elysiajs/jwt').jwt, secret: string) => plugin({ name: 'jwt', secret, alg: 'HS256' }).decorator.jwt
type Signer = ReturnType<typeof buildSigner>

/**
 * Signs access tokens: @elysiajs/jwt's signer, algorithm pinned to HS256 (they are verified by
 * src/lib/hs256.ts). Loaded at the first signature, a login: @elysiajs/jwt and the jose library
 * under it took ~1.5 ms of every start (a compiled one-line program, Elysia already loaded).
 * `require` keeps the bundler compiling it into the executable, evaluated only then.
 */
export function createJwt(secret: string) {
  let signer: Signer | undefined
  return {
    sign(payload: Parameters<Signer['sign']>[0]): Promise<string> {
      signer ??= buildSigner((require('@elysiajs/jwt') as typeof import('@elysiajs/jwt')).jwt, secret)
      return signer.sign(payload)
    },
  }
}
export type Jwt = ReturnType<typeof createJwt>

/**
 * Everything a running Kiosk shares, built once and handed to createApp. Tests build their own
 * with a temporary database and a manual clock; nothing here is a module-level singleton.
 */
export interface AppContext {
  config: Config
  /** SQLite or PostgreSQL (DATABASE_URL): only src/stores.ts and src/db/ look inside. */
  database: DatabaseHandle
  cache: Cache
  clock: Clock
  logger: Logger
  metrics: Metrics
  jwt: Jwt
  close(): Promise<void>
}

export interface ContextOverrides {
  clock?: Clock
  logger?: Logger
}

export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const database = openConfiguredDatabase(config)
  const clock = overrides.clock ?? systemClock
  return {
    config,
    database,
    cache: createCache({ max: config.CACHE_MAX_ENTRIES, ttlMs: config.CACHE_TTL, clock }),
    clock,
    logger: overrides.logger ?? createLogger(config.LOG_LEVEL),
    metrics: createMetrics(),
    jwt: createJwt(config.JWT_SECRET),
    close: async () => database.close(),
  }
}
