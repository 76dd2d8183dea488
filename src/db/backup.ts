import { Database } from 'bun:sqlite'
import { accessSync, constants, existsSync, linkSync, lstatSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/** A backup that can't be taken; the message says why, for an operator. */
export class BackupError extends Error {
  override name = 'BackupError'
}

export interface BackupResult {
  path: string
  bytes: number
  integrity: 'ok'
  durationMs: number
}

const exists = (path: string) => {
  try {
    lstatSync(path) // lstat: a dangling symlink is something we would clobber too
    return true
  } catch {
    return false
  }
}

function checkTarget(target: string) {
  if (exists(target)) throw new BackupError(`${target} already exists; refusing to overwrite it`)
  const folder = dirname(target)
  let info
  try {
    // A fresh install has no backups folder yet: make it (and its parents).
    mkdirSync(folder, { recursive: true })
    info = statSync(folder)
  } catch (error) {
    throw new BackupError(`cannot create the folder ${folder} (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
  }
  if (!info.isDirectory()) throw new BackupError(`${folder} is not a folder`)
  try {
    accessSync(folder, constants.W_OK)
  } catch {
    throw new BackupError(`folder ${folder} is not writable`)
  }
}

/** Opens the copy on its own and asks SQLite whether every page and index is sound. */
function integrityOf(path: string): string {
  const copy = new Database(path, { readonly: true })
  try {
    const rows = copy.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all()
    return rows.map((row) => row.integrity_check).join('; ')
  } finally {
    copy.close()
  }
}

/**
 * A consistent copy of a live database: `VACUUM INTO` on a connection of its own reads one
 * snapshot (WAL readers never block the server's writer, nor are blocked by it) and writes a
 * compact, self-contained file. The copy goes to a temp name beside the target, is verified with
 * `PRAGMA integrity_check`, then hard-linked into place, which fails rather than replace a file
 * that appeared meanwhile: an existing target is never overwritten.
 */
export function backupDatabase(source: string, targetPath: string): BackupResult {
  const started = performance.now()
  const target = resolve(targetPath)
  checkTarget(target)
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`)

  const temp = join(dirname(target), `.${basename(target)}.${Bun.randomUUIDv7()}.partial`)
  try {
    // Read-write without create: a read-only connection can't open a WAL database whose -shm
    // is missing (server stopped); nothing is written to the source.
    const connection = new Database(source, { readwrite: true, create: false })
    try {
      connection.exec('PRAGMA busy_timeout = 5000')
      connection.run('VACUUM INTO ?', [temp])
    } finally {
      connection.close()
    }
    const integrity = integrityOf(temp)
    if (integrity !== 'ok') throw new BackupError(`the copy failed its integrity check: ${integrity}`)
    try {
      linkSync(temp, target)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') throw new BackupError(`${target} already exists; refusing to overwrite it`)
      // A file system without hard links: check again and rename (a narrow race, but no clobber in practice).
      if (exists(target)) throw new BackupError(`${target} already exists; refusing to overwrite it`)
      renameSync(temp, target)
    }
    return { path: target, bytes: statSync(target).size, integrity: 'ok', durationMs: performance.now() - started }
  } catch (error) {
    if (error instanceof BackupError) throw error
    throw new BackupError(`backup failed: ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    rmSync(temp, { force: true })
  }
}
