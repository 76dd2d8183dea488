import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { LAST_ERROR_MAX_CHARS, lastError } from '../../src/lib/last-error.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('lastError', () => {
  test('keeps an error of at most 500 code points as it is', () => {
    expect(lastError('connect ECONNREFUSED')).toBe('connect ECONNREFUSED')
    expect(lastError('x'.repeat(LAST_ERROR_MAX_CHARS))).toBe('x'.repeat(500))
  })

  test('cuts a longer one to 500 code points, the last an ellipsis, never splitting a character', () => {
    const cut = lastError('😀'.repeat(600))
    expect([...cut].length).toBe(500)
    expect(cut).toBe(`${'😀'.repeat(499)}…`)
  })
})
