import type { Database } from 'bun:sqlite'
import { immediateTransaction, savepoint } from './transaction.ts'

/*
 * Group commit. A COMMIT costs more than the work of one order (on WAL + synchronous=NORMAL it is
 * most of the transaction), so the jobs submitted during one event-loop turn share one IMMEDIATE
 * transaction, each in its own SAVEPOINT: a job that throws rolls back only its own writes and
 * gets its own error; the others go on. Every promise settles only after the shared COMMIT, so a
 * caller that answers on resolution never acknowledges anything a crash could still lose.
 *
 * The flush itself is synchronous (the transaction runner refuses async work): nothing else runs
 * on the connection between BEGIN and COMMIT, and jobs run in submission order, so the outcome is
 * the one the same jobs would have one after another.
 */

export interface GroupCommitOptions {
  /** Most jobs in one transaction: bounds how long one flush holds the event loop and the write lock. */
  maxBatch: number
  /** When a batch is flushed after its first job arrives (the next turn: `setImmediate`). */
  schedule?: (flush: () => void) => void
}

interface Job<I, O> {
  input: I
  resolve: (value: O) => void
  reject: (error: unknown) => void
}

type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown }

/** Returns `submit(input)`: runs `work(input)` in the next shared transaction; settles after its COMMIT. */
export function createGroupCommit<I, O>(sqlite: Database, work: (input: I) => O, options: GroupCommitOptions) {
  const schedule = options.schedule ?? ((flush: () => void) => setImmediate(flush))
  let queue: Job<I, O>[] = []
  let scheduled = false

  const runOne = (job: Job<I, O>): Outcome<O> => {
    try {
      return { ok: true, value: savepoint(sqlite, () => work(job.input)) }
    } catch (error) {
      return { ok: false, error }
    }
  }

  function flush() {
    scheduled = false
    const batch = queue.length <= options.maxBatch ? queue : queue.slice(0, options.maxBatch)
    queue = queue.length <= options.maxBatch ? [] : queue.slice(options.maxBatch)
    if (queue.length) plan()
    let outcomes: Outcome<O>[]
    try {
      outcomes = immediateTransaction(sqlite, () => batch.map(runOne))
    } catch (error) {
      // BEGIN or COMMIT failed: nothing of the batch is durable, so no job may report success.
      for (const job of batch) job.reject(error)
      return
    }
    outcomes.forEach((outcome, index) => {
      const job = batch[index]!
      if (outcome.ok) job.resolve(outcome.value)
      else job.reject(outcome.error)
    })
  }

  function plan() {
    if (scheduled) return
    scheduled = true
    schedule(flush)
  }

  return function submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject })
      plan()
    })
  }
}
