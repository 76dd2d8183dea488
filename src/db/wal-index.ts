import type { Database } from 'bun:sqlite'
import { existsSync, statSync } from 'node:fs'

/** The WAL-index header's first copy: 48 bytes, 12 native-endian words (https://www.sqlite.org/walformat.html). */
const HEADER_WORDS = 12

/**
 * A cheap "has any connection committed?" for a SQLite file in WAL mode: the WAL-index header at
 * the start of the `-shm` file changes with every commit by any connection of any process (its
 * change counter, frame count and checksum). Read from a shared mapping it is a memory read
 * (~0.01 µs), where `PRAGMA data_version` starts a read transaction: two fcntl(2) locks and an
 * fstat(2), 15% of the server's CPU on a cached read (`bun --cpu-prof-md` under wrk). Only a
 * hint: on "changed" the caller makes the real check, so a torn read costs one PRAGMA.
 *
 * Mapping it is safe while `sqlite` is open: SQLite truncates or rebuilds the -shm file only
 * under the exclusive "DMS" lock, which nobody gets while a connection holds the shared one, as
 * an open WAL connection does. Undefined where there is no such file (":memory:", another journal
 * mode, an exclusive locking mode): the caller then checks every time.
 */
export function walIndexWatcher(sqlite: Database): (() => boolean) | undefined {
  const path = `${sqlite.filename}-shm`
  const mode = sqlite.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode
  const locking = sqlite.query<{ locking_mode: string }, []>('PRAGMA locking_mode').get()?.locking_mode
  if (mode !== 'wal' || locking !== 'normal' || !existsSync(path) || statSync(path).size < HEADER_WORDS * 4) return undefined
  const mapped = Bun.mmap(path, { shared: true })
  const header = new Uint32Array(mapped.buffer, mapped.byteOffset, HEADER_WORDS)
  const seen = Uint32Array.from(header)
  return function changed(): boolean {
    for (let i = 0; i < HEADER_WORDS; i++) {
      if (header[i] !== seen[i]) {
        seen.set(header)
        return true
      }
    }
    return false
  }
}
