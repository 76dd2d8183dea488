import type { Database } from 'bun:sqlite'
import { readTransaction, synchronousOnly } from './transaction.ts'
import { createTurnBatch, type TurnBatchOptions } from './turn-batch.ts'

/*
 * The read batch. Outside a transaction every SQLite statement that reads the file starts and
 * ends a read transaction of its own: two fcntl(2) locks and an fstat(2), ~4 µs of a ~6 µs
 * primary-key read in a loop, and more in a busy server (bun --cpu-prof-md under wrk: the
 * statement was a third of an uncached product read). The point reads submitted during one
 * event-loop turn share one read transaction instead, on the same connection: one pair of locks
 * for the turn. A server under load reads ~30 per turn; alone, a read waits for the next turn.
 *
 * It sees what a lone statement would: the transaction begins and ends within one synchronous
 * flush, so every write this process committed before the flush is visible, and no write runs on
 * the connection while it is open. Reads only: a job must not write (its write would commit with
 * the batch, after nothing promised it).
 */

/**
 * Reads per shared transaction, and the milliseconds after which a flush takes no more: a point
 * read costs ~5-20 µs and a product page ~0.1-0.3 ms, but a search on a large catalog can take
 * tens, and each read of a flush is answered only when the flush ends.
 */
const READ_BATCH = { maxBatch: 128, budgetMs: 2 }

/** Runs a synchronous read in the next turn's shared read transaction of the connection. */
export type ReadBatch = <T>(work: () => T) => Promise<T>

/** Returns `read(work)`: runs the synchronous `work` in the next turn's shared read transaction. */
export function createReadBatch(sqlite: Database, options: TurnBatchOptions = READ_BATCH): ReadBatch {
  return createTurnBatch<() => unknown, unknown>(
    (transaction) => readTransaction(sqlite, transaction),
    (work) => synchronousOnly(work)(),
    options,
  ) as ReadBatch
}
