import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { restartDelay } from '../../src/cli/supervisor.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('the supervisor restart backoff', () => {
  test('at once after a long life; 0.5 s doubling up to 30 s while a worker keeps dying early', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map(restartDelay)).toEqual([0, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })
})
