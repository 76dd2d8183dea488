import type { Config } from '../config.ts'
import { ensureDataDir } from './data-dir.ts'
import { acquireDataLock, DataLockedError, type DataLock } from './data-lock.ts'
import { CliError, EXIT } from './exit.ts'

/**
 * What `serve`, the supervisor and `restore` do first: DATA_DIR is usable (else exit 78) and this
 * process owns it, the lock held until released; another owner is one line naming it, exit 69.
 */
export function ownDataDir(config: Pick<Config, 'DATA_DIR' | 'DATABASE_PATH'>, command: string, refusal = ''): DataLock {
  ensureDataDir(config)
  try {
    return acquireDataLock(config.DATA_DIR, command)
  } catch (error) {
    if (error instanceof DataLockedError) throw new CliError(`${refusal}${error.message}`, EXIT.UNAVAILABLE)
    throw error
  }
}
