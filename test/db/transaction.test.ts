import { Database } from 'bun:sqlite'
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { isUniqueViolation } from '../../src/db/errors.ts'
import { AsyncTransactionError, immediateTransaction } from '../../src/db/transaction.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

let sqlite: Database
const count = () => sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM t').get()!.n

beforeEach(() => {
  sqlite = new Database(':memory:')
  sqlite.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)')
})
afterEach(() => sqlite.close())

describe('immediateTransaction', () => {
  test('commits a synchronous callback and returns its result', () => {
    expect(immediateTransaction(sqlite, () => sqlite.run("INSERT INTO t (v) VALUES ('a')").changes)).toBe(1)
    expect(count()).toBe(1)
  })

  test('rolls back when the callback throws', () => {
    expect(() =>
      immediateTransaction(sqlite, () => {
        sqlite.run("INSERT INTO t (v) VALUES ('a')")
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(count()).toBe(0)
  })

  test('refuses an async callback before running it', () => {
    let ran = false
    expect(() =>
      immediateTransaction(sqlite, async () => {
        ran = true
        sqlite.run("INSERT INTO t (v) VALUES ('a')")
      }),
    ).toThrow(AsyncTransactionError)
    expect(ran).toBe(false)
    expect(count()).toBe(0)
  })

  test('refuses a callback that returns a Promise, rolling back what it wrote before', () => {
    expect(() =>
      immediateTransaction(sqlite, () => {
        sqlite.run("INSERT INTO t (v) VALUES ('a')")
        return Promise.resolve(1)
      }),
    ).toThrow(AsyncTransactionError)
    expect(count()).toBe(0)
    expect(sqlite.inTransaction).toBe(false)
  })
})

test('isUniqueViolation matches a UNIQUE violation by its code, nothing else', () => {
  sqlite.run("INSERT INTO t (v) VALUES ('a')")
  let unique: unknown
  try {
    sqlite.run("INSERT INTO t (v) VALUES ('a')")
  } catch (error) {
    unique = error
  }
  expect(isUniqueViolation(unique)).toBe(true)
  expect(isUniqueViolation(new Error('UNIQUE constraint failed: t.v'))).toBe(false)
  expect(isUniqueViolation('SQLITE_CONSTRAINT_UNIQUE')).toBe(false)
})

test('isUniqueViolation sees through a wrapping error', () => {
  const driver = Object.assign(new Error('UNIQUE constraint failed: t.v'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })
  expect(isUniqueViolation(new Error('Failed query', { cause: driver }))).toBe(true)
  expect(isUniqueViolation(new Error('Failed query', { cause: new Error('other') }))).toBe(false)
})
