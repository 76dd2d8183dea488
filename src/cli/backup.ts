import type { Config } from '../config.ts'
import { backupDatabase, BackupError } from '../db/backup.ts'
import { postgresRefusal } from './sqlite-only.ts'

/**
 * `kiosk backup FILE`: a consistent, verified copy of the database, safe while the server runs.
 * Exit 0 with a summary line; 1 with a reason (and nothing overwritten).
 */
export async function backupCommand(config: Config, file: string): Promise<number> {
  const refusal = postgresRefusal(config, 'backup')
  if (refusal) {
    console.error(refusal)
    return 1
  }
  try {
    const result = backupDatabase(config.DATABASE_PATH, file)
    console.log(
      `backup written to ${result.path}: ${result.bytes} bytes, integrity ${result.integrity}, ${Math.round(result.durationMs)} ms`,
    )
    return 0
  } catch (error) {
    if (!(error instanceof BackupError)) throw error
    console.error(`kiosk backup: ${error.message}`)
    return 1
  }
}
