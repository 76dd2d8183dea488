import type { SQL } from 'bun'
import type { EmbeddedMigration } from '../embed.ts'
import { statusOf, type MigrationStatus } from '../migration-status.ts'
import { migrations as embedded } from './migrations.gen.ts'

/*
 * Applies the embedded PostgreSQL migrations with drizzle's own bookkeeping (the
 * drizzle.__drizzle_migrations table: sha256 of the file, journal timestamp), so `drizzle-kit migrate`
 * and this agree. Everything pending runs in one transaction holding an advisory lock: several
 * processes starting at once (replicas, a supervisor's workers) migrate once, the others wait and
 * then find nothing to do.
 */

/** pg_advisory_xact_lock's key for migrations: any constant no other code uses ("kiosk" in ASCII). */
const MIGRATION_LOCK = 0x6b696f736b

const sha256 = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest('hex')

async function lastApplied(sql: SQL): Promise<number> {
  await sql`CREATE SCHEMA IF NOT EXISTS drizzle`
  await sql`CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`
  const [row] = await sql`SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY created_at DESC LIMIT 1`
  return row ? Number(row.created_at) : 0
}

export async function pendingPostgresMigrations(sql: SQL, migrations: EmbeddedMigration[] = embedded): Promise<EmbeddedMigration[]> {
  const [exists] = await sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`
  if (!exists.present) return migrations
  const [row] = await sql`SELECT max(created_at) AS last FROM drizzle.__drizzle_migrations`
  const last = row?.last === null || row?.last === undefined ? 0 : Number(row.last)
  return migrations.filter((m) => m.when > last)
}

/** Applies what is pending; returns the tags applied (none when up to date). */
export async function migratePostgres(sql: SQL, migrations: EmbeddedMigration[] = embedded): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
    const last = await lastApplied(tx)
    const applied: string[] = []
    for (const migration of migrations.filter((m) => m.when > last)) {
      for (const statement of migration.sql.split('--> statement-breakpoint')) {
        if (statement.trim()) await tx.unsafe(statement)
      }
      await tx`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${sha256(migration.sql)}, ${migration.when})`
      applied.push(migration.tag)
    }
    return applied
  })
}

/** `kiosk migrate --status` on PostgreSQL: the same rule as src/db/migration-status.ts, read-only. */
export async function postgresMigrationStatus(sql: SQL, migrations: EmbeddedMigration[] = embedded): Promise<MigrationStatus> {
  const [table] = await sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`
  const recorded: number[] = table.present
    ? (await sql`SELECT created_at FROM drizzle.__drizzle_migrations`).map((row: { created_at: string }) => Number(row.created_at))
    : []
  return statusOf(recorded, migrations)
}
