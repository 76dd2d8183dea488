import type { Config } from '../config.ts'
import { openDatabase as openSqlite, type SqliteHandle } from './client.ts'
import { migrate as migrateSqlite } from './migrate.ts'
import type { PostgresHandle } from './pg/client.ts'
import { postgresClient, postgresMigrations } from './pg/load.ts'
import { openRedis, type RedisHandle } from './redis/client.ts'

/**
 * The database a Kiosk process runs on: embedded SQLite (the default) or PostgreSQL when
 * DATABASE_URL is set. Stores are built per dialect (src/stores.ts); everything above them sees
 * only the stores' async interfaces.
 */
export type DatabaseHandle = SqliteHandle | PostgresDatabase

/** PostgreSQL, with the Redis its processes coordinate through when REDIS_URL is set (closed with it). */
export interface PostgresDatabase extends PostgresHandle {
  redis?: RedisHandle
}

export type { PostgresHandle, RedisHandle, SqliteHandle }

export function openConfiguredDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'DATABASE_PATH' | 'DATABASE_POOL_MAX' | 'DATABASE_DRIVER' | 'REDIS_URL'>,
): DatabaseHandle {
  if (config.DATABASE_URL === undefined) return openSqlite(config.DATABASE_PATH)
  const postgres = postgresClient().openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX, driver: config.DATABASE_DRIVER })
  if (config.REDIS_URL === undefined) return postgres
  const redis = openRedis(config.REDIS_URL, databaseName(config.DATABASE_URL))
  return {
    ...postgres,
    redis,
    async close() {
      await Promise.all([postgres.close(), redis.close()])
    },
  }
}

/**
 * The database a PostgreSQL URL names (PostgreSQL's default: the user's name). Redis keys and
 * messages are scoped by it, so deployments on different databases may share one Redis, and every
 * process of one deployment (whatever host name it reaches the server by) shares the same ones.
 */
export function databaseName(url: string): string {
  const parsed = new URL(url)
  return decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username) || 'postgres'
}

/** Applies pending migrations; returns the tags applied. */
export async function migrateDatabase(database: DatabaseHandle): Promise<string[]> {
  return database.dialect === 'postgres' ? postgresMigrations().migratePostgres(database.sql) : migrateSqlite(database.sqlite)
}

/** Where the data lives, for log lines: the SQLite file, or the PostgreSQL server without its password. */
export function describeDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_PATH'>): string {
  if (config.DATABASE_URL === undefined) return config.DATABASE_PATH
  const url = new URL(config.DATABASE_URL)
  url.password = ''
  url.searchParams.delete('password')
  return url.toString()
}

/** The SQLite handle of a tool that only works there (a benchmark, the backup job); throws on PostgreSQL. */
export function sqliteOnly(database: DatabaseHandle, what: string): SqliteHandle {
  if (database.dialect !== 'sqlite') throw new Error(`${what} works on the SQLite database only`)
  return database
}
