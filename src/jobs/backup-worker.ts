/** Takes one backup off the server's thread (VACUUM INTO of a large file takes seconds). */
import { backupDatabase, BackupError } from '../db/backup.ts'

declare const self: Worker

export type BackupReply =
  | { result: ReturnType<typeof backupDatabase> }
  | { error: string; operator: boolean }

self.onmessage = (event: MessageEvent<{ source: string; target: string }>) => {
  try {
    self.postMessage({ result: backupDatabase(event.data.source, event.data.target) } satisfies BackupReply)
  } catch (error) {
    self.postMessage({
      error: error instanceof Error ? error.message : String(error),
      operator: error instanceof BackupError,
    } satisfies BackupReply)
  }
}
