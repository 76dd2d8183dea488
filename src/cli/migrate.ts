import { existsSync } from 'node:fs'
import type { Config } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { migrationStatusOfFile } from '../db/migration-status.ts'
import { migrations as embedded } from '../db/migrations.gen.ts'

export async function migrateCommand(config: Config): Promise<number> {
  const database = openDatabase(config.DATABASE_PATH)
  try {
    const applied = migrate(database.sqlite)
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date')
    return 0
  } finally {
    database.close()
  }
}

/** `kiosk migrate --status`: applied and pending migrations, changing nothing (not even creating the file). */
export async function migrationStatusCommand(config: Config): Promise<number> {
  if (!existsSync(config.DATABASE_PATH)) {
    console.log(`no database at ${config.DATABASE_PATH} yet; ${embedded.length} migrations pending:`)
    for (const migration of embedded) console.log(`  pending  ${migration.tag}`)
    return 0
  }
  const status = migrationStatusOfFile(config.DATABASE_PATH)
  console.log(`database ${config.DATABASE_PATH}: ${status.applied.length} applied, ${status.pending.length} pending`)
  for (const tag of status.applied) console.log(`  applied  ${tag}`)
  for (const tag of status.pending) console.log(`  pending  ${tag}`)
  if (status.unknown.length) console.log(`  and ${status.unknown.length} applied migrations this kiosk does not know (a newer version made them)`)
  return 0
}
