import { SQL } from 'bun'
import { drizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql'
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'

/** Without the schema, as the SQLite client (src/db/client.ts): no store uses drizzle's relational `db.query`. */
export type PgDb = BunSQLDatabase

/** Which client talks to PostgreSQL: Bun's built-in one, or postgres.js (DATABASE_DRIVER=postgres-js), the fallback. */
export type PostgresDriver = 'bun' | 'postgres-js'

export interface PostgresHandle {
  dialect: 'postgres'
  driver: PostgresDriver
  /**
   * The pool every store queries through: Bun's `SQL` (tagged templates are prepared once per
   * connection). With the postgres-js driver, postgres.js behind the same surface (Bun.sql's API
   * was modelled on it: tagged templates, begin, savepoint, unsafe, listen, reserve).
   */
  sql: SQL
  /** Drizzle over the same pool, for what reads better as a query builder. */
  db: PgDb
  close(): Promise<void>
}

export interface PostgresOptions {
  /** Connections in the pool. */
  max?: number
  /** Seconds to wait for a connection before a query fails (readiness answers 503 meanwhile, never hangs). */
  connectionTimeout?: number
  driver?: PostgresDriver
}

/**
 * A pool on `url`. Nothing connects until the first query, so opening never fails: an unreachable
 * server shows up as failing queries (and /health/ready's 503) until it is back.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): PostgresHandle {
  const max = options.max ?? 20
  const connectionTimeout = options.connectionTimeout ?? 5
  if (options.driver === 'postgres-js') return openPostgresJs(url, max, connectionTimeout)
  const sql = new SQL(url, {
    max,
    idleTimeout: 30,
    connectionTimeout,
    // Every store query is a tagged template with bound values: prepared per connection, reused.
    prepare: true,
  })
  return {
    dialect: 'postgres',
    driver: 'bun',
    sql,
    db: drizzle({ client: sql }),
    close: () => sql.close({ timeout: 5 }),
  }
}

/**
 * postgres.js, kept as the documented fallback should Bun's client ever regress (it once returned
 * wrong rows for concurrent prepared statements: test/db/postgres-driver.test.ts). Its API is the
 * one Bun.sql copied; the one difference the stores meet, close(), is mapped to end().
 */
function openPostgresJs(url: string, max: number, connectionTimeout: number): PostgresHandle {
  const client = postgres(url, { max, idle_timeout: 30, connect_timeout: connectionTimeout, prepare: true, onnotice: () => {} })
  const close = () => client.end({ timeout: 5 })
  const sql = Object.assign(client, { close }) as unknown as SQL
  return {
    dialect: 'postgres',
    driver: 'postgres-js',
    sql,
    db: drizzlePostgresJs({ client }) as unknown as PgDb,
    close,
  }
}

/** True for PostgreSQL's unique_violation (SQLSTATE 23505: Bun's `errno`, postgres.js's `code`), optionally on one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { errno?: string; code?: string; constraint?: string; constraint_name?: string } | null
  if (!e || (e.errno !== '23505' && e.code !== '23505')) return false
  return constraint === undefined || (e.constraint ?? e.constraint_name) === constraint
}
