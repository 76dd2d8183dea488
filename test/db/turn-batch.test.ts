import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTurnBatch } from '../../src/db/turn-batch.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/* The batching under group commit and the read batch, with a transaction stand-in that records what each flush ran. */
function recorder(fail: (flush: number) => 'begin' | 'commit' | null = () => null) {
  const flushes: string[][] = []
  const transaction = <T>(work: () => T): T => {
    const flush = flushes.length
    if (fail(flush) === 'begin') {
      flushes.push(['BEGIN failed'])
      throw new Error(`BEGIN failed in flush ${flush}`)
    }
    flushes.push([])
    const result = work()
    if (fail(flush) === 'commit') throw new Error(`COMMIT failed in flush ${flush}`)
    return result
  }
  const run = (job: { name: string; sleepMs?: number; throws?: boolean }) => {
    flushes.at(-1)!.push(job.name)
    if (job.sleepMs) Bun.sleepSync(job.sleepMs)
    if (job.throws) throw new Error(`${job.name} failed`)
    return job.name.toUpperCase()
  }
  return { flushes, transaction, run }
}

const outcome = (settled: PromiseSettledResult<string>) => (settled.status === 'fulfilled' ? settled.value : (settled.reason as Error).message)

describe('createTurnBatch', () => {
  test('the jobs of a turn run in one transaction, in order, each with its own outcome', async () => {
    const { flushes, transaction, run } = recorder()
    const submit = createTurnBatch(transaction, run, { maxBatch: 64 })
    const settled = await Promise.allSettled([submit({ name: 'a' }), submit({ name: 'b', throws: true }), submit({ name: 'c' })])
    expect(flushes).toEqual([['a', 'b', 'c']])
    expect(settled.map(outcome)).toEqual(['A', 'b failed', 'C'])
  })

  test('over the budget a flush takes no further job; the rest run in the next flush, still in order', async () => {
    const { flushes, transaction, run } = recorder()
    const submit = createTurnBatch(transaction, run, { maxBatch: 64, budgetMs: 5 })
    const settled = await Promise.allSettled([submit({ name: 'slow', sleepMs: 10 }), submit({ name: 'b' }), submit({ name: 'c' })])
    expect(flushes).toEqual([['slow'], ['b', 'c']])
    expect(settled.map(outcome)).toEqual(['SLOW', 'B', 'C'])
  })

  test('a first job over the budget still runs: every flush makes progress', async () => {
    const { flushes, transaction, run } = recorder()
    const submit = createTurnBatch(transaction, run, { maxBatch: 64, budgetMs: 0 })
    expect(await Promise.all([submit({ name: 'a' }), submit({ name: 'b' })])).toEqual(['A', 'B'])
    expect(flushes).toEqual([['a'], ['b']])
  })

  test('when COMMIT fails, every job the flush ran gets its error, and the jobs it left run in the next flush', async () => {
    const { flushes, transaction, run } = recorder((flush) => (flush === 0 ? 'commit' : null))
    const submit = createTurnBatch(transaction, run, { maxBatch: 2 })
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((name) => submit({ name })))
    expect(flushes).toEqual([['a', 'b'], ['c']])
    expect(settled.map(outcome)).toEqual(['COMMIT failed in flush 0', 'COMMIT failed in flush 0', 'C'])
  })

  test('when BEGIN fails, the jobs the flush would have taken get its error and no more', async () => {
    const { flushes, transaction, run } = recorder((flush) => (flush === 0 ? 'begin' : null))
    const submit = createTurnBatch(transaction, run, { maxBatch: 2 })
    const settled = await Promise.allSettled(['a', 'b', 'c'].map((name) => submit({ name })))
    expect(flushes).toEqual([['BEGIN failed'], ['c']])
    expect(settled.map(outcome)).toEqual(['BEGIN failed in flush 0', 'BEGIN failed in flush 0', 'C'])
  })
})
