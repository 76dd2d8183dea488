import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { openWalIndex } from '../../src/db/wal-index.ts'
import { createCacheChangeStore } from '../../src/db/cache-changes.ts'
import { createCacheCoherence } from '../../src/lib/cache-coherence.ts'
import { createCache } from '../../src/lib/cache.ts'
import { systemClock } from '../../src/lib/clock.ts'

setDefaultTimeout(30_000)

const folders: string[] = []
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function walDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-wal-index-'))
  folders.push(dir)
  const path = join(dir, 'kiosk.db')
  const handle = openDatabase(path)
  handle.sqlite.exec('CREATE TABLE t (x INTEGER)')
  return { path, handle }
}

/** This process's POSIX locks on `file`, as the kernel lists them: "READ 128-128" and the like. */
function locksHeldOn(file: string): string[] {
  const { ino } = statSync(file)
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields[4] === String(process.pid) && fields[5]?.endsWith(`:${ino}`))
    .map((fields) => `${fields[3]} ${fields[6]}-${fields[7]}`)
}

describe('openWalIndex', () => {
  test('false at rest; true once after each commit, by another connection or by this one', () => {
    const { path, handle } = walDatabase()
    const walIndex = openWalIndex(handle.sqlite)!
    const changed = () => walIndex.changed()
    expect([changed(), changed()]).toEqual([false, false])
    const other = new Database(path)
    other.run('INSERT INTO t VALUES (1)')
    expect([changed(), changed()]).toEqual([true, false])
    handle.sqlite.run('INSERT INTO t VALUES (2)')
    expect([changed(), changed()]).toEqual([true, false])
    // A read changes nothing.
    expect(other.query('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 })
    expect(changed()).toBe(false)
    // After a checkpoint that resets the WAL, the next commit is still seen.
    other.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    changed()
    other.run('INSERT INTO t VALUES (3)')
    expect([changed(), changed()]).toEqual([true, false])
    other.close()
    handle.close()
    walIndex.close()
  })

  // Closing any descriptor of a file drops all of the process's locks on it: a mapping made with
  // Bun.mmap (open, mmap, close) dropped SQLite's shared DMS lock on the -shm, and another process
  // then rebuilt the -shm under the live connection (a worker died of SIGBUS).
  test.skipIf(process.platform !== 'linux')("keeps SQLite's locks on the -shm: the shared DMS lock (byte 128) is still held", () => {
    const { path, handle } = walDatabase()
    const before = locksHeldOn(`${path}-shm`)
    expect(before).toContain('READ 128-128')
    const walIndex = handle.walIndex()!
    handle.sqlite.run('INSERT INTO t VALUES (1)')
    expect(walIndex.changed()).toBe(true)
    expect(locksHeldOn(`${path}-shm`)).toEqual(before)
    handle.close()
  })

  test('sees a commit made by another process', async () => {
    const { path, handle } = walDatabase()
    const walIndex = handle.walIndex()!
    const changed = () => walIndex.changed()
    expect(changed()).toBe(false)
    const child = Bun.spawn(['bun', '-e', `const { Database } = require('bun:sqlite'); new Database(${JSON.stringify(path)}).run('INSERT INTO t VALUES (9)')`])
    expect(await child.exited).toBe(0)
    expect([changed(), changed()]).toEqual([true, false])
    handle.close()
  })

  test('the cache coherence check reads PRAGMA data_version only after a commit changed the header', () => {
    const { path, handle } = walDatabase()
    migrate(handle.sqlite)
    const store = createCacheChangeStore(handle.sqlite, handle.walIndex())
    expect(store.mayHaveChanged).toBeFunction()
    let pragmas = 0
    const dataVersion = store.dataVersion
    const coherence = createCacheCoherence({ ...store, dataVersion: () => (pragmas++, dataVersion()) }, createCache({ max: 10, ttlMs: 60_000, clock: systemClock }))
    const atStart = pragmas
    expect([coherence.sync(), coherence.sync(), coherence.sync()]).toEqual([0, 0, 0])
    expect(pragmas).toBe(atStart)
    const other = new Database(path)
    other.run('INSERT INTO t VALUES (1)')
    coherence.sync()
    expect(pragmas).toBe(atStart + 1)
    coherence.sync()
    expect(pragmas).toBe(atStart + 1)
    other.close()
    handle.close()
  })

  test('undefined where there is no WAL index: an in-memory database, another journal mode', () => {
    const memory = openDatabase(':memory:')
    expect(memory.walIndex()).toBeUndefined()
    memory.close()
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-wal-index-'))
    folders.push(dir)
    const rollback = new Database(join(dir, 'rollback.db'), { create: true })
    rollback.exec('PRAGMA journal_mode = DELETE')
    rollback.exec('CREATE TABLE t (x INTEGER)')
    expect(openWalIndex(rollback)).toBeUndefined()
    rollback.close()
  })
})
