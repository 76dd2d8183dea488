import { SQL } from 'bun'
import { drizzle, type BunSQLDatabase } from 'drizzle-orm/bun-sql'
import * as schema from '../schema.pg.ts'

export type PgDb = BunSQLDatabase<typeof schema> & { $client: SQL }

export interface PostgresHandle {
  dialect: 'postgres'
  /** Bun's built-in PostgreSQL client: the pool every store queries through (tagged templates are prepared once per connection). */
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
}

/**
 * A pool on `url`. Nothing connects until the first query, so opening never fails: an unreachable
 * server shows up as failing queries (and /health/ready's 503) until it is back.
 */
export function openPostgres(url: string, options: PostgresOptions = {}): PostgresHandle {
  const sql = new SQL(url, {
    max: options.max ?? 20,
    idleTimeout: 30,
    connectionTimeout: options.connectionTimeout ?? 5,
    // Every store query is a tagged template with bound values: prepared per connection, reused.
    prepare: true,
    onclose: () => {},
  })
  const db = drizzle({ client: sql, schema }) as PgDb
  return {
    dialect: 'postgres',
    sql,
    db,
    close: () => sql.close({ timeout: 5 }),
  }
}

/** True for PostgreSQL's unique_violation (SQLSTATE 23505), optionally on one constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { errno?: string; code?: string; constraint?: string } | null
  if (!e || (e.errno !== '23505' && e.code !== '23505')) return false
  return constraint === undefined || e.constraint === constraint
}
