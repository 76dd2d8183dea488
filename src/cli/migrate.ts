import { existsSync } from 'node:fs'
import type { Config } from '../config.ts'
import { describeDatabase, migrateDatabase, openConfiguredDatabase } from '../db/database.ts'
import { migrationStatusOfFile, type MigrationStatus } from '../db/migration-status.ts'
import { migrations as embedded } from '../db/migrations.gen.ts'
import { postgresClient, postgresMigrations } from '../db/pg/load.ts'

export async function migrateCommand(config: Config): Promise<number> {
  const database = openConfiguredDatabase(config)
  try {
    const applied = await migrateDatabase(database)
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date')
    return 0
  } finally {
    await database.close()
  }
}

/** `kiosk migrate --status`: applied and pending migrations, changing nothing (not even creating the SQLite file). */
export async function migrationStatusCommand(config: Config): Promise<number> {
  if (config.DATABASE_URL !== undefined) {
    const database = postgresClient().openPostgres(config.DATABASE_URL, { max: 1 })
    try {
      printStatus(describeDatabase(config), await postgresMigrations().postgresMigrationStatus(database.sql))
    } finally {
      await database.close()
    }
    return 0
  }
  if (!existsSync(config.DATABASE_PATH)) {
    console.log(`no database at ${config.DATABASE_PATH} yet; ${embedded.length} migrations pending:`)
    for (const migration of embedded) console.log(`  pending  ${migration.tag}`)
    return 0
  }
  printStatus(config.DATABASE_PATH, migrationStatusOfFile(config.DATABASE_PATH))
  return 0
}

function printStatus(where: string, status: MigrationStatus) {
  console.log(`database ${where}: ${status.applied.length} applied, ${status.pending.length} pending`)
  for (const tag of status.applied) console.log(`  applied  ${tag}`)
  for (const tag of status.pending) console.log(`  pending  ${tag}`)
  if (status.unknown.length) console.log(`  and ${status.unknown.length} applied migrations this kiosk does not know (a newer version made them)`)
}
