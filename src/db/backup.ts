import { Database } from 'bun:sqlite'
import { accessSync, constants, existsSync, linkSync, lstatSync, renameSync, rmSync, statSync } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { WORKERS } from '../workers.ts'
import type { BackupReply } from './backup-worker.ts'

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
    info = statSync(folder)
  } catch {
    throw new BackupError(`folder ${folder} does not exist`)
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

/**
 * backupDatabase on a worker thread, for the server: the copy and its check take seconds on a
 * large database (≈8 s for 400 MB here) and must not stall the event loop meanwhile.
 */
export function backupDatabaseOffThread(source: string, target: string): Promise<BackupResult> {
  const worker = new Worker(WORKERS.backup)
  return new Promise<BackupResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<BackupReply>) => {
      const reply = event.data
      if ('result' in reply) resolve(reply.result)
      else reject(reply.operator ? new BackupError(reply.error) : new Error(reply.error))
    }
    worker.onerror = (event) => reject(new Error(`the backup worker failed: ${event.message}`))
    worker.postMessage({ source, target })
  }).finally(() => worker.terminate())
}

const BACKUP_NAME = /^kiosk-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.db$/

/** The scheduled backup: a new `kiosk-<time>.db` in `folder`, keeping the newest `keep`. */
export async function rotatingBackup(source: string, folder: string, keep: number, at: Date) {
  await mkdir(folder, { recursive: true })
  const result = await backupDatabaseOffThread(source, join(folder, `kiosk-${at.toISOString().replace(/[:.]/g, '-')}.db`))
  const backups = (await readdir(folder)).filter((name) => BACKUP_NAME.test(name)).sort().reverse()
  const removed = backups.slice(keep)
  await Promise.all(removed.map((name) => rm(join(folder, name), { force: true })))
  return { ...result, removed }
}
