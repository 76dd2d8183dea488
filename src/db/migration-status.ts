import { Database } from 'bun:sqlite'
import type { EmbeddedMigration } from './embed.ts'
import { migrations as embedded } from './migrations.gen.ts'

export interface MigrationStatus {
  applied: string[]
  pending: string[]
  /** Journal timestamps recorded in the database that this executable doesn't know (a newer Kiosk's). */
  unknown: number[]
}

/**
 * What drizzle's bookkeeping (`__drizzle_migrations`) says about a database, read-only: applied
 * is every embedded migration up to the last recorded journal timestamp (drizzle's own rule),
 * pending the rest. A database without the table has everything pending.
 */
export function migrationStatus(sqlite: Database, migrations: EmbeddedMigration[] = embedded): MigrationStatus {
  const table = sqlite
    .query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get()!.n
  const recorded = table ? sqlite.query<{ created_at: number }, []>('SELECT created_at FROM "__drizzle_migrations"').all().map((row) => Number(row.created_at)) : []
  return statusOf(recorded, migrations)
}

/** Either dialect's rule, from the journal timestamps a database has recorded. */
export function statusOf(recorded: number[], migrations: EmbeddedMigration[]): MigrationStatus {
  const last = Math.max(0, ...recorded)
  const known = new Set(migrations.map((m) => m.when))
  return {
    applied: migrations.filter((m) => m.when <= last).map((m) => m.tag),
    pending: migrations.filter((m) => m.when > last).map((m) => m.tag),
    unknown: recorded.filter((when) => !known.has(when)),
  }
}

/**
 * The status of the database file at `path`, opened read-write without create (a read-only handle
 * can't open a WAL database whose -shm is missing) and closed again; nothing is written.
 */
export function migrationStatusOfFile(path: string): MigrationStatus {
  const sqlite = new Database(path, { readwrite: true, create: false })
  try {
    sqlite.exec('PRAGMA busy_timeout = 5000')
    return migrationStatus(sqlite)
  } finally {
    sqlite.close()
  }
}
