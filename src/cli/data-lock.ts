import { Database } from 'bun:sqlite'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/*
 * One process owns a DATA_DIR at a time: the server (or, in a future worker mode, the supervisor
 * that starts the N children sharing the port: it holds the lock and the children don't take it),
 * or `kiosk restore`, which must never swap the database under a running server.
 *
 * The lock is SQLite's own: `$DATA_DIR/kiosk.lock` is an empty SQLite file on which the owner
 * keeps a write transaction open (BEGIN IMMEDIATE, never written to, so never a journal to
 * replay). The operating system releases that file lock when the owner's process ends, however
 * it ends, kill -9 included: there is no stale lock to detect or take over. Who holds it is
 * written beside it in `kiosk.lock.json` (informational: for the refusal message only).
 */

export interface LockHolder {
  pid: number
  command: string
  since: string
}

export interface DataLock {
  release(): void
}

/** The DATA_DIR is owned by another process; the message names it. */
export class DataLockedError extends Error {
  override name = 'DataLockedError'
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      `the data folder ${dataDir} is in use by another kiosk` +
        (holder ? ` (pid ${holder.pid}, "kiosk ${holder.command}" since ${holder.since})` : '') +
        '; stop it first, or give this one its own DATA_DIR',
    )
  }
}

/**
 * The connections that hold locks. A Database that nothing references is finalised by the garbage
 * collector, which closes it and so drops its lock: held locks must stay reachable until released.
 */
const held = new Set<Database>()

const lockPath = (dataDir: string) => join(dataDir, 'kiosk.lock')
const holderPath = (dataDir: string) => join(dataDir, 'kiosk.lock.json')

function readHolder(dataDir: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(holderPath(dataDir), 'utf8')) as LockHolder
  } catch {
    return undefined
  }
}

/** Takes the DATA_DIR lock for this process, or throws DataLockedError at once (no waiting). */
export function acquireDataLock(dataDir: string, command: string, now = new Date()): DataLock {
  const folder = resolve(dataDir)
  const connection = new Database(lockPath(folder), { create: true })
  try {
    connection.exec('PRAGMA busy_timeout = 0')
    connection.exec('BEGIN IMMEDIATE')
  } catch (error) {
    connection.close()
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new DataLockedError(folder, readHolder(folder))
    throw error
  }
  const holder: LockHolder = { pid: process.pid, command, since: now.toISOString() }
  const temp = `${holderPath(folder)}.${process.pid}`
  writeFileSync(temp, `${JSON.stringify(holder)}\n`)
  renameSync(temp, holderPath(folder))
  held.add(connection)
  let released = false
  return {
    release() {
      if (released) return
      released = true
      if (readHolder(folder)?.pid === process.pid) rmSync(holderPath(folder), { force: true })
      connection.exec('ROLLBACK')
      connection.close()
      held.delete(connection)
    },
  }
}
