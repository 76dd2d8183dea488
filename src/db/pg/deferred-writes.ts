import type { TransactionSQL } from 'bun'

/*
 * Some store methods are synchronous by contract (EmailStore.enqueueInTransaction,
 * RecoveryStore.issueInTransaction, the `alsoInTransaction` callback of UserStore.insertUser):
 * bun:sqlite runs them inside the caller's transaction. PostgreSQL can't write synchronously, so
 * on PostgreSQL they queue their writes here and the store whose transaction is open runs them
 * on its handle before it commits: the change and what it causes still commit together.
 *
 * A module-level queue is enough: the synchronous body runs to its end before anything else
 * can, so no other transaction's writes can slip in between.
 */

export type DeferredWrite = (tx: TransactionSQL) => Promise<unknown>

let queue: DeferredWrite[] | undefined

/** Queues a write for the transaction whose synchronous body is running; throws outside one. */
export function deferWrite(write: DeferredWrite, what: string): void {
  if (!queue) throw new Error(`${what} must be called inside a store's transaction (PostgreSQL: within withDeferredWrites)`)
  queue.push(write)
}

/** Runs `body` (synchronous) collecting its deferred writes, then runs them on `tx`, in order. */
export async function withDeferredWrites<T>(tx: TransactionSQL, body: () => T): Promise<T> {
  const outer = queue
  const writes: DeferredWrite[] = []
  queue = writes
  let result: T
  try {
    result = body()
    // An async body would queue its writes after this transaction committed.
    if (result instanceof Promise) throw new Error('withDeferredWrites needs a synchronous body')
  } finally {
    queue = outer
  }
  for (const write of writes) await write(tx)
  return result
}
