import type { Database } from 'bun:sqlite'
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'

/** The WAL-index header's first copy: 48 bytes, 12 native-endian words (https://www.sqlite.org/walformat.html). */
const HEADER_WORDS = 12
const HEADER_BYTES = HEADER_WORDS * 4

/** A cheap "has any connection committed?" on a SQLite file in WAL mode. */
export interface WalIndex {
  /** True once after each commit by any connection of any process; false at rest. */
  changed(): boolean
  /** Closes the file. Only after the connection it watches is closed: see below. */
  close(): void
}

/**
 * The WAL-index header at the start of the `-shm` file changes with every commit by any
 * connection of any process (its change counter, frame count and checksum). Reading its 48
 * bytes costs one pread(2) (~1 µs), where `PRAGMA data_version` starts a read transaction (two
 * fcntl(2) locks and an fstat(2): 15% of the server's CPU on a cached read under wrk). Only a
 * hint: on "changed" the caller makes the real check, so a torn read costs one PRAGMA.
 *
 * Read through a descriptor held open, never a mapping: Bun.mmap opens the file and closes it
 * again, and closing any descriptor of a file drops every POSIX lock the process holds on it
 * (fcntl semantics), SQLite's shared "DMS" lock on the -shm included. Another process opening the
 * database then takes the DMS lock as if it were alone, and rebuilds the -shm under the live
 * connections: a worker of a group died of SIGBUS that way (test/e2e/workers.test.ts). For the
 * same reason `close()` must come after the connection's own close: it drops this process's
 * locks on the -shm, which by then only another connection of this process on the same file
 * could still need.
 *
 * Undefined where there is no such file (":memory:", another journal mode, an exclusive locking
 * mode): the caller then checks every time.
 */
export function openWalIndex(sqlite: Database): WalIndex | undefined {
  const path = `${sqlite.filename}-shm`
  const mode = sqlite.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode
  const locking = sqlite.query<{ locking_mode: string }, []>('PRAGMA locking_mode').get()?.locking_mode
  if (mode !== 'wal' || locking !== 'normal' || !existsSync(path) || statSync(path).size < HEADER_BYTES) return undefined
  const fd = openSync(path, 'r')
  const header = new Uint32Array(HEADER_WORDS)
  const bytes = new Uint8Array(header.buffer)
  const seen = new Uint32Array(HEADER_WORDS)
  readSync(fd, bytes, 0, HEADER_BYTES, 0)
  seen.set(header)
  let open = true
  return {
    changed(): boolean {
      readSync(fd, bytes, 0, HEADER_BYTES, 0)
      for (let i = 0; i < HEADER_WORDS; i++) {
        if (header[i] !== seen[i]) {
          seen.set(header)
          return true
        }
      }
      return false
    },
    close() {
      if (open) closeSync(fd)
      open = false
    },
  }
}
