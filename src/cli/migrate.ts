import type { Config } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'

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
