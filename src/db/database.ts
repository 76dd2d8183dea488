import type { Config } from '../config.ts'
import { openDatabase as openSqlite, type SqliteHandle } from './client.ts'
import { isMigrated as isSqliteMigrated, migrate as migrateSqlite } from './migrate.ts'
import { openPostgres, type PostgresHandle } from './pg/client.ts'
import { migratePostgres, pendingPostgresMigrations } from './pg/migrate.ts'

/**
 * The database a Kiosk process runs on: embedded SQLite (the default) or PostgreSQL when
 * DATABASE_URL is set. Stores are built per dialect (src/stores.ts); everything above them sees
 * only the stores' async interfaces.
 */
export type DatabaseHandle = SqliteHandle | PostgresHandle
export type Dialect = DatabaseHandle['dialect']

export type { PostgresHandle, SqliteHandle }

export function openConfiguredDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_PATH' | 'DATABASE_POOL_MAX' | 'DATABASE_DRIVER'>): DatabaseHandle {
  if (config.DATABASE_URL !== undefined) {
    return openPostgres(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX, driver: config.DATABASE_DRIVER })
  }
  return openSqlite(config.DATABASE_PATH)
}

/** Applies pending migrations; returns the tags applied. */
export async function migrateDatabase(database: DatabaseHandle): Promise<string[]> {
  return database.dialect === 'postgres' ? migratePostgres(database.sql) : migrateSqlite(database.sqlite)
}

export async function isDatabaseMigrated(database: DatabaseHandle): Promise<boolean> {
  return database.dialect === 'postgres'
    ? (await pendingPostgresMigrations(database.sql)).length === 0
    : isSqliteMigrated(database.sqlite)
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
