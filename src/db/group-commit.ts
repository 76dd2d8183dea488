import type { Database } from 'bun:sqlite'
import { immediateTransaction, savepoint } from './transaction.ts'
import { createTurnBatch, type TurnBatchOptions } from './turn-batch.ts'

/*
 * Group commit. A COMMIT costs more than the work of one order (on WAL + synchronous=NORMAL it is
 * most of the transaction), so the jobs submitted during one event-loop turn share one IMMEDIATE
 * transaction, each in its own SAVEPOINT: a job that throws rolls back only its own writes and
 * gets its own error; the others go on. Every promise settles only after the shared COMMIT, so a
 * caller that answers on resolution never acknowledges anything a crash could still lose; when
 * BEGIN or COMMIT fails, nothing of the batch is durable and no job reports success.
 */

export type GroupCommitOptions = TurnBatchOptions

/** Returns `submit(input)`: runs `work(input)` in the next shared transaction; settles after its COMMIT. */
export function createGroupCommit<I, O>(sqlite: Database, work: (input: I) => O, options: GroupCommitOptions) {
  return createTurnBatch<I, O>(
    (transaction) => immediateTransaction(sqlite, transaction),
    (input) => savepoint(sqlite, () => work(input)),
    options,
  )
}
