import { accessSync, constants, mkdirSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigError, type Config } from '../config.ts'

/**
 * Makes sure DATA_DIR (and the folder of DATABASE_PATH) exists and this user can write to it,
 * before anything opens a file there: a wrong path or a root-owned bind mount is then one line
 * naming the setting (exit 78), not a raw ENOENT/EACCES from deep inside SQLite.
 */
export function ensureDataDir(config: Pick<Config, 'DATA_DIR' | 'DATABASE_PATH'>): void {
  const problems = [usable('DATA_DIR', config.DATA_DIR)]
  const databaseFolder = dirname(config.DATABASE_PATH)
  if (resolve(databaseFolder) !== resolve(config.DATA_DIR)) problems.push(usable('DATABASE_PATH', databaseFolder))
  const found = problems.filter((problem): problem is string => problem !== undefined)
  if (found.length) throw new ConfigError(found)
}

function usable(setting: string, folder: string): string | undefined {
  try {
    mkdirSync(folder, { recursive: true })
  } catch (error) {
    return `${setting}: cannot create the folder ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)})`
  }
  if (!statSync(folder).isDirectory()) return `${setting}: ${folder} is not a folder`
  try {
    accessSync(folder, constants.W_OK | constants.X_OK)
  } catch {
    const uid = process.getuid?.()
    return `${setting}: the folder ${folder} is not writable by this user${uid === undefined ? '' : ` (uid ${uid})`}; give it to that user or run as its owner`
  }
  return undefined
}
