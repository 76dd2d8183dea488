/*
 * Jobs that arrive during one event-loop turn, run together in the next turn inside one SQLite
 * transaction. Group commit (one COMMIT for a turn's orders) and the read batch (one read
 * transaction for a turn's point reads) are both this, with a different transaction.
 *
 * The flush is synchronous (the transaction runners refuse async work): nothing else runs on the
 * connection between BEGIN and COMMIT, and jobs run in submission order, so each job's outcome is
 * the one it would have had run on its own at that moment. Every promise settles only after the
 * transaction has ended.
 */

export interface TurnBatchOptions {
  /** Most jobs in one transaction: bounds how long one flush holds the event loop and the connection. */
  maxBatch: number
  /**
   * Milliseconds after which a flush takes no further job (those wait for the next turn), for
   * jobs whose cost varies: every job of a flush is answered only when the whole flush is done,
   * so a batch of slow reads would make each wait for all of them.
   */
  budgetMs?: number
  /** When a batch is flushed after its first job arrives (the next turn: `setImmediate`). */
  schedule?: (flush: () => void) => void
}

interface Job<I, O> {
  input: I
  resolve: (value: O) => void
  reject: (error: unknown) => void
}

type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown }

/**
 * Returns `submit(input)`: runs `runJob(input)` inside the next turn's `transaction`. A job that
 * throws gets its own error and the others go on (what the throw undoes is runJob's to say); when
 * the transaction itself fails (BEGIN or COMMIT), every job of the batch gets that error.
 */
export function createTurnBatch<I, O>(
  transaction: <T>(work: () => T) => T,
  runJob: (input: I) => O,
  options: TurnBatchOptions,
): (input: I) => Promise<O> {
  const schedule = options.schedule ?? ((flush: () => void) => setImmediate(flush))
  let queue: Job<I, O>[] = []
  let scheduled = false

  const runOne = (job: Job<I, O>): Outcome<O> => {
    try {
      return { ok: true, value: runJob(job.input) }
    } catch (error) {
      return { ok: false, error }
    }
  }

  function flush() {
    scheduled = false
    const taken = queue
    queue = []
    const started = performance.now()
    const overBudget = () => options.budgetMs !== undefined && performance.now() - started >= options.budgetMs
    let done = 0
    let outcomes: Outcome<O>[]
    try {
      outcomes = transaction(() => {
        const results: Outcome<O>[] = []
        while (done < taken.length && done < options.maxBatch && !(done > 0 && overBudget())) results.push(runOne(taken[done++]!))
        return results
      })
    } catch (error) {
      // BEGIN or COMMIT failed: every job the flush took (all it would have taken, when BEGIN did) gets the error.
      done ||= Math.min(taken.length, options.maxBatch)
      outcomes = Array.from({ length: done }, () => ({ ok: false as const, error }))
    }
    // What the flush did not take goes first in the next one, in submission order.
    if (done < taken.length) {
      queue = taken.slice(done).concat(queue)
      plan()
    }
    outcomes.forEach((outcome, index) => {
      const job = taken[index]!
      if (outcome.ok) job.resolve(outcome.value)
      else job.reject(outcome.error)
    })
  }

  function plan() {
    if (scheduled) return
    scheduled = true
    schedule(flush)
  }

  return (input: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject })
      plan()
    })
}
