import { Database } from 'bun:sqlite'
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGroupCommit } from '../../src/db/group-commit.ts'
import { AsyncTransactionError } from '../../src/db/transaction.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* The shared transaction of group commit, on a real database file with a second connection reading it. */
let dir: string
let writer: Database
let reader: Database
const committed = () => reader.query<{ v: string }, []>('SELECT v FROM t ORDER BY id').all().map((row) => row.v)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-group-commit-'))
  writer = new Database(join(dir, 'db.sqlite'))
  writer.exec('PRAGMA journal_mode = WAL')
  writer.exec('PRAGMA foreign_keys = ON')
  writer.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY)')
  writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)')
  reader = new Database(join(dir, 'db.sqlite'), { readonly: true })
})
afterEach(() => {
  reader.close()
  writer.close()
  rmSync(dir, { recursive: true, force: true })
})

const insert = (v: string) => writer.run('INSERT INTO t (v) VALUES (?)', [v]).lastInsertRowid

describe('createGroupCommit', () => {
  test('jobs of one turn share one transaction, in order, and settle only after its COMMIT', async () => {
    const flushes: number[] = []
    const submit = createGroupCommit(writer, (v: string) => {
      expect(writer.inTransaction).toBe(true)
      return { id: insert(v), seen: committed().length }
    }, { maxBatch: 64, schedule: (flush) => setImmediate(() => { flushes.push(1); flush() }) })
    const settledAfterCommit: string[][] = []
    const results = await Promise.all(
      ['a', 'b', 'c'].map((v) => submit(v).then((result) => { settledAfterCommit.push(committed()); return result })),
    )
    expect(flushes).toEqual([1])
    // Inside the transaction the other connection saw nothing; every promise settled once all three were durable.
    expect(results.map((r) => r.seen)).toEqual([0, 0, 0])
    expect(results.map((r) => Number(r.id))).toEqual([1, 2, 3])
    expect(settledAfterCommit).toEqual([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'c']])
    expect(writer.inTransaction).toBe(false)
  })

  test('a job that throws after writing rolls back only its own writes and gets its own error', async () => {
    const submit = createGroupCommit(writer, (v: string) => {
      insert(v)
      if (v.startsWith('bad')) {
        insert(`${v}-more`)
        throw new Error(`refused ${v}`)
      }
      return v
    }, { maxBatch: 64 })
    const outcomes = await Promise.allSettled(['a', 'bad1', 'b', 'bad2', 'c'].map(submit))
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['a', 'refused bad1', 'b', 'refused bad2', 'c'])
    expect(committed()).toEqual(['a', 'b', 'c'])
  })

  test('a later job sees the writes of an earlier one in the batch (a unique clash is its own error)', async () => {
    const submit = createGroupCommit(writer, (v: string) => insert(v), { maxBatch: 64 })
    const outcomes = await Promise.allSettled(['x', 'x', 'y'].map(submit))
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain('UNIQUE')
    expect(committed()).toEqual(['x', 'y'])
  })

  test('when COMMIT fails no job of the batch succeeds, and the next batch starts clean', async () => {
    const submit = createGroupCommit(writer, (v: string) => {
      // An orphan reference checked only at COMMIT (a deferred foreign key) makes the shared COMMIT fail.
      writer.run('INSERT INTO t (v, parent) VALUES (?, ?)', [v, v === 'orphan' ? 99 : null])
      return v
    }, { maxBatch: 64 })
    const outcomes = await Promise.allSettled(['a', 'orphan', 'b'].map(submit))
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toContain('FOREIGN KEY')
    expect(committed()).toEqual([])
    expect(writer.inTransaction).toBe(false)
    expect(await submit('c')).toBe('c')
    expect(committed()).toEqual(['c'])
  })

  test('a batch holds at most maxBatch jobs; the rest go to the next turns', async () => {
    const batches: number[] = []
    let current = 0
    const submit = createGroupCommit(writer, (v: string) => {
      current++
      return insert(v)
    }, { maxBatch: 2, schedule: (flush) => setImmediate(() => { current = 0; flush(); batches.push(current) }) })
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map(submit))
    expect(batches).toEqual([2, 2, 1])
    expect(committed()).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  test('async work is refused (it would commit at its first await) and changes nothing', async () => {
    const submit = createGroupCommit(writer, async (v: string) => insert(v), { maxBatch: 64 })
    const outcomes = await Promise.allSettled([submit('a')])
    expect((outcomes[0] as PromiseRejectedResult).reason).toBeInstanceOf(AsyncTransactionError)
    expect(committed()).toEqual([])
  })
})
