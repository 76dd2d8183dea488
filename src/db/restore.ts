import { Database } from 'bun:sqlite'
import { constants, copyFileSync, existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { migrationStatus } from './migration-status.ts'

/** A restore that can't be done; the message says why, for an operator. Nothing was changed. */
export class RestoreError extends Error {
  override name = 'RestoreError'
}

export interface RestoreResult {
  restored: string
  bytes: number
  /** The last migration the restored database has. */
  migration: string
  /** Migrations the next start applies. */
  pending: string[]
  /** Where the database that was replaced is kept (none when there was none). */
  previous: string | undefined
}

const nonEmpty = (path: string) => existsSync(path) && statSync(path).size > 0

/** Checks a candidate copy: sound pages and indexes, Kiosk's bookkeeping, a migration level this executable knows. */
function verify(path: string, source: string): { migration: string; pending: string[] } {
  let sqlite: Database
  try {
    sqlite = new Database(path, { readwrite: true, create: false })
  } catch (error) {
    throw new RestoreError(`${source} cannot be opened as a SQLite database: ${(error as Error).message}`)
  }
  try {
    let integrity: string
    try {
      integrity = sqlite.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all().map((row) => row.integrity_check).join('; ')
    } catch (error) {
      const { code, message } = error as { code?: string; message: string }
      if (code === 'SQLITE_CORRUPT') throw new RestoreError(`${source} failed its integrity check: ${message}`)
      throw new RestoreError(`${source} is not a SQLite database (${message})`)
    }
    if (integrity !== 'ok') throw new RestoreError(`${source} failed its integrity check: ${integrity}`)
    const status = migrationStatus(sqlite)
    if (status.applied.length === 0) throw new RestoreError(`${source} is not a Kiosk database (no migrations recorded)`)
    if (status.unknown.length) throw new RestoreError(`${source} has migrations this kiosk does not know (made by a newer version); use that version`)
    // Back to a rollback journal while it is private, so the swapped-in file is complete on its own.
    sqlite.exec('PRAGMA journal_mode = DELETE')
    return { migration: status.applied.at(-1)!, pending: status.pending }
  } finally {
    sqlite.close()
  }
}

/**
 * Replaces the database at `databasePath` with the backup `file`. The caller must own the
 * DATA_DIR lock (no server running). The backup is copied beside the database and verified
 * there; the current database is folded (WAL checkpoint) and kept under a dated name by a hard
 * link; then one rename swaps the verified copy in, so `kiosk.db` is at every instant either the
 * old database or the new one, whole.
 */
export function restoreDatabase(file: string, databasePath: string, now: Date): RestoreResult {
  const source = resolve(file)
  const target = resolve(databasePath)
  if (!existsSync(source) || !statSync(source).isFile()) throw new RestoreError(`${source} is not a file`)
  if (source === target) throw new RestoreError(`${source} is the database itself`)
  if (nonEmpty(`${source}-wal`)) throw new RestoreError(`${source} has a write-ahead log beside it (a live database?); copy it with kiosk backup first`)

  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const temp = join(dirname(target), `.${basename(target)}.restore-${Bun.randomUUIDv7()}`)
  try {
    copyFileSync(source, temp)
    const { migration, pending } = verify(temp, source)

    let previous: string | undefined
    if (existsSync(target)) {
      const current = new Database(target, { readwrite: true, create: false })
      try {
        current.exec('PRAGMA busy_timeout = 5000')
        current.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      } finally {
        current.close()
      }
      if (nonEmpty(`${target}-wal`)) throw new RestoreError(`${target}-wal could not be folded into the database; is a process still using it?`)
      previous = join(dirname(target), `${basename(target, '.db')}-before-restore-${stamp}.db`)
      try {
        linkSync(target, previous)
      } catch {
        copyFileSync(target, previous, constants.COPYFILE_EXCL) // a file system without hard links
      }
    }
    renameSync(temp, target)
    // The old database's (empty) WAL index must not be taken for the new file's.
    rmSync(`${target}-wal`, { force: true })
    rmSync(`${target}-shm`, { force: true })
    return { restored: target, bytes: statSync(target).size, migration, pending, previous }
  } finally {
    rmSync(temp, { force: true })
    rmSync(`${temp}-journal`, { force: true })
  }
}
