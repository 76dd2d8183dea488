import type { Config } from '../config.ts'
import { backupDatabase, BackupError } from '../db/backup.ts'

/**
 * `kiosk backup FILE`: a consistent, verified copy of the database, safe while the server runs.
 * Exit 0 with a summary line; 1 with a reason (and nothing overwritten); 2 on usage errors.
 */
export async function backupCommand(config: Config, args: string[]): Promise<number> {
  const files = args.filter((arg) => !arg.startsWith('-'))
  if (files.length !== 1 || files.length !== args.length) {
    console.error('usage: kiosk backup FILE (FILE must not exist yet)')
    return 2
  }
  try {
    const result = backupDatabase(config.DATABASE_PATH, files[0]!)
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
