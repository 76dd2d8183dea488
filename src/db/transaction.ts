import type { Database } from 'bun:sqlite'

/**
 * Runs `work` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so two writers
 * never both read and then collide) and returns its result; a throw rolls everything back.
 *
 * `work` must be synchronous. bun:sqlite's transaction (and Drizzle's) commits at the first
 * `await` of an async callback, and a later throw no longer rolls back: a callback that returns
 * a Promise (or any thenable) is refused, after rolling back what it did before its first await.
 */
export function immediateTransaction<T>(sqlite: Database, work: () => T): T {
  return runnerOf(sqlite).immediate(synchronousOnly(work)) as T
}

/**
 * Runs the reads of `work` in one DEFERRED transaction: one snapshot, and one pair of file locks
 * for all of them instead of a pair per statement. Synchronous only, as above.
 */
export function readTransaction<T>(sqlite: Database, work: () => T): T {
  return runnerOf(sqlite).deferred(synchronousOnly(work)) as T
}

/**
 * Runs `work` in a SAVEPOINT of the transaction already open on `sqlite` (bun:sqlite nests a
 * transaction inside another as a savepoint): a throw rolls back only what `work` did and is
 * rethrown; the enclosing transaction goes on. Synchronous only, as above.
 */
export function savepoint<T>(sqlite: Database, work: () => T): T {
  if (!sqlite.inTransaction) throw new Error('savepoint() needs an open transaction.')
  return runnerOf(sqlite)(synchronousOnly(work)) as T
}

type Runner = ReturnType<Database['transaction']>
const runners = new WeakMap<Database, Runner>()

/**
 * One bun:sqlite transaction function per connection, called with the work as its argument:
 * `sqlite.transaction(fn)` builds its wrappers (Object.defineProperties) on every call, 2.3% of
 * the server's CPU under order load when each order's SAVEPOINT made one (bench/profile-orders.ts).
 */
function runnerOf(sqlite: Database): Runner {
  let runner = runners.get(sqlite)
  if (!runner) runners.set(sqlite, (runner = sqlite.transaction((work: () => unknown) => work())))
  return runner
}

/** `work`, refused when async and failed with AsyncTransactionError when it returns a thenable. */
export function synchronousOnly<T>(work: () => T): () => T {
  if (isAsyncFunction(work)) throw new AsyncTransactionError()
  return () => {
    const result = work()
    if (isThenable(result)) {
      // Swallow its eventual rejection: the caller gets AsyncTransactionError instead.
      Promise.resolve(result).catch(() => {})
      throw new AsyncTransactionError()
    }
    return result
  }
}

/** A transaction callback that would have committed at its first await. */
export class AsyncTransactionError extends Error {
  constructor() {
    super('A SQLite transaction callback must be synchronous: it would commit at its first await.')
    this.name = 'AsyncTransactionError'
  }
}

const isAsyncFunction = (fn: unknown) => typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction'

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function'
