import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { BackupError, type BackupResult } from '../db/backup.ts'
import { WORKERS } from '../workers.ts'
import type { BackupReply } from './backup-worker.ts'

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
