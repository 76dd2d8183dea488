import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, RETRY_AFTER_MAX_MS } from '../../src/lib/backoff.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('backoffDelay (exponential, full jitter)', () => {
  test('draws between the floor and a ceiling that doubles from 5 s', () => {
    const top = () => 0.999999
    expect(backoffDelay(1, top)).toBe(4_999)
    expect(backoffDelay(2, top)).toBe(9_999)
    expect(backoffDelay(3, top)).toBe(19_999)
    expect(backoffDelay(1, () => 0.5)).toBe(2_500)
  })

  test('never exceeds the 1 h cap, however many attempts', () => {
    expect(backoffDelay(30, () => 0.999999)).toBeLessThan(DEFAULT_BACKOFF.capMs)
    expect(backoffDelay(30, () => 0.999999)).toBeGreaterThan(DEFAULT_BACKOFF.capMs - 10)
  })

  test('never retries sooner than the 1 s floor', () => {
    expect(backoffDelay(1, () => 0)).toBe(1_000)
  })
})

describe('parseRetryAfter', () => {
  const now = new Date('2026-03-01T12:00:00.000Z')

  test('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter(' 0 ', now)).toBe(0)
  })

  test('reads an HTTP-date relative to now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:05:00 GMT', now)).toBe(300_000)
    expect(parseRetryAfter('Sunday, 01-Mar-26 12:05:00 GMT', now)).toBe(300_000)
  })

  test('a date in the past means now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0)
  })

  test('is clamped to 24 h', () => {
    expect(parseRetryAfter('999999999', now)).toBe(RETRY_AFTER_MAX_MS)
  })

  test('ignores absent or unreadable values', () => {
    for (const value of [null, '', 'soon', '-5', '1.5', '2026-03-01', 'Sun, 99 Foo 2026 GMT']) {
      expect(parseRetryAfter(value, now)).toBeUndefined()
    }
  })
})
