import type { Database } from 'bun:sqlite'
import type { EmbeddedMigration } from './embed.ts'
import { migrations as embedded } from './migrations.gen.ts'

/*
 * Applies the embedded drizzle-kit migrations. Bookkeeping is drizzle's own (`__drizzle_migrations`:
 * sha256 of the file and the journal timestamp), so `drizzle-kit migrate` and this agree on what
 * has been applied. All pending migrations run in one transaction: all or nothing.
 */

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash text NOT NULL,
  created_at numeric
)`

const sha256 = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest('hex')

function lastApplied(sqlite: Database): number {
  sqlite.exec(BOOKKEEPING)
  const row = sqlite
    .query<{ created_at: number }, []>('SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1')
    .get()
  return row ? Number(row.created_at) : 0
}

export function pendingMigrations(sqlite: Database, migrations: EmbeddedMigration[] = embedded): EmbeddedMigration[] {
  const last = lastApplied(sqlite)
  return migrations.filter((m) => m.when > last)
}

/** Applies what is pending; returns the tags applied (none when up to date). */
export function migrate(sqlite: Database, migrations: EmbeddedMigration[] = embedded): string[] {
  const applied: string[] = []
  sqlite.transaction(() => {
    for (const migration of pendingMigrations(sqlite, migrations)) {
      for (const statement of migration.sql.split('--> statement-breakpoint')) {
        if (statement.trim()) sqlite.run(statement)
      }
      sqlite.run('INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)', [sha256(migration.sql), migration.when])
      applied.push(migration.tag)
    }
  }).immediate()
  return applied
}

/** True when every embedded migration has been applied (the readiness check). */
export function isMigrated(sqlite: Database): boolean {
  return pendingMigrations(sqlite).length === 0
}
