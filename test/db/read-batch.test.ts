import { Database } from 'bun:sqlite'
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createReadBatch } from '../../src/db/read-batch.ts'
import { AsyncTransactionError, immediateTransaction } from '../../src/db/transaction.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* The shared read transaction of a turn's point reads, on a real WAL file with a second connection writing to it. */
let dir: string
let sqlite: Database
let other: Database

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-read-batch-'))
  sqlite = new Database(join(dir, 'db.sqlite'))
  sqlite.exec('PRAGMA journal_mode = WAL')
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
  other = new Database(join(dir, 'db.sqlite'))
})
afterEach(() => {
  other.close()
  sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

const count = () => sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM t').get()!.n
const insertHere = (v: string) => sqlite.run('INSERT INTO t (v) VALUES (?)', [v])
const insertElsewhere = (v: string) => other.run('INSERT INTO t (v) VALUES (?)', [v])

describe('createReadBatch', () => {
  test("a turn's reads share one transaction: one snapshot, taken at the flush", async () => {
    const flushes: number[] = []
    const read = createReadBatch(sqlite, { maxBatch: 64, schedule: (flush) => setImmediate(() => (flushes.push(1), flush())) })
    const results = await Promise.all([
      read(() => {
        const seen = count()
        // Another process commits between two reads of the batch: the second still reads the first's snapshot.
        insertElsewhere('elsewhere')
        return { seen, inTransaction: sqlite.inTransaction }
      }),
      read(() => ({ seen: count(), inTransaction: sqlite.inTransaction })),
    ])
    expect(flushes).toEqual([1])
    expect(results).toEqual([
      { seen: 0, inTransaction: true },
      { seen: 0, inTransaction: true },
    ])
    expect(sqlite.inTransaction).toBe(false)
    // The next turn's batch has a new snapshot.
    expect(await read(count)).toBe(1)
  })

  test('a read sees every write committed before its flush, on this connection or another, also those after it was submitted', async () => {
    const read = createReadBatch(sqlite, { maxBatch: 64 })
    insertHere('before')
    const pending = read(count)
    insertHere('after, same turn')
    insertElsewhere('elsewhere, same turn')
    expect(await pending).toBe(3)
  })

  test('nothing runs before the flush, and the connection is free again after it', async () => {
    let flush = () => {}
    const read = createReadBatch(sqlite, { maxBatch: 64, schedule: (run) => (flush = run) })
    let ran = false
    const pending = read(() => ((ran = true), count()))
    await Bun.sleep(5)
    expect(ran).toBe(false)
    flush()
    expect(await pending).toBe(0)
    expect(sqlite.inTransaction).toBe(false)
    expect(immediateTransaction(sqlite, () => insertHere('a').changes)).toBe(1)
  })

  test('a read that throws gets its own error; the others of the batch get their values', async () => {
    const read = createReadBatch(sqlite, { maxBatch: 64 })
    insertHere('a')
    const outcomes = await Promise.allSettled([
      read(count),
      read(() => sqlite.query('SELECT * FROM missing_table').get()),
      read(count),
    ])
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String((o.reason as Error).message)))).toEqual([1, 'no such table: missing_table', 1])
    expect(sqlite.inTransaction).toBe(false)
  })

  test('async work is refused: it would read after the transaction ended', async () => {
    const read = createReadBatch(sqlite, { maxBatch: 64 })
    const outcomes = await Promise.allSettled([read(async () => count()), read(() => Promise.resolve(count())), read(count)])
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(AsyncTransactionError)
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(AsyncTransactionError)
    expect((outcomes[2] as PromiseFulfilledResult<number>).value).toBe(0)
  })

  test('a batch holds at most maxBatch reads; the rest go to the next turns, in order', async () => {
    const batches: number[] = []
    let current = 0
    const read = createReadBatch(sqlite, { maxBatch: 2, schedule: (flush) => setImmediate(() => ((current = 0), flush(), batches.push(current))) })
    const values = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((v) => read(() => (current++, v))))
    expect(values).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(batches).toEqual([2, 2, 1])
  })
})
