import type { Config } from '../config.ts'
import { restoreDatabase, RestoreError } from '../db/restore.ts'
import { EXIT } from './exit.ts'
import { ownDataDir } from './own-data-dir.ts'
import { postgresRefusal } from './sqlite-only.ts'

/**
 * `kiosk restore FILE`: only while no server owns the data folder (it takes the DATA_DIR lock
 * itself, so none can start meanwhile either). Exit 0 saying what it did; 1 with the reason and
 * nothing changed; 69 when a server runs.
 */
export async function restoreCommand(config: Config, file: string): Promise<number> {
  const refusal = postgresRefusal(config, 'restore')
  if (refusal) {
    console.error(refusal)
    return EXIT.FAILURE
  }
  const lock = ownDataDir(config, 'restore', 'restore refused: ')
  try {
    const result = restoreDatabase(file, config.DATABASE_PATH, new Date())
    console.log(`restored ${file} into ${result.restored} (${result.bytes} bytes, integrity ok, last migration ${result.migration})`)
    console.log(result.previous ? `the previous database is kept as ${result.previous}` : 'there was no database before')
    if (result.pending.length) console.log(`the next start applies ${result.pending.length} newer migrations: ${result.pending.join(', ')}`)
    return EXIT.OK
  } catch (error) {
    if (!(error instanceof RestoreError)) throw error
    console.error(`kiosk restore: ${error.message}`)
    return EXIT.FAILURE
  } finally {
    lock.release()
  }
}
