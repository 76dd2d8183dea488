import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { decodeCursor, encodeCursor } from '../../src/lib/cursor.ts'
import { ValidationFailedError } from '../../src/lib/errors.ts'
import { chars } from '../../src/lib/schema.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('chars()', () => {
  const name = TypeCompiler.Compile(chars(1, 3))
  test('counts code points, not UTF-16 units', () => {
    expect(name.Check('abc')).toBe(true)
    expect(name.Check('😀😀😀')).toBe(true) // 6 UTF-16 units, 3 characters
    expect(name.Check('😀😀😀😀')).toBe(false)
    expect(name.Check('')).toBe(false)
    expect(name.Check('a\nb')).toBe(true)
  })
  test('agrees with a unicode-aware JSON Schema reading of the same pattern', () => {
    const pattern = new RegExp((chars(1, 3) as { pattern: string }).pattern, 'u')
    for (const value of ['abc', '😀😀😀', '😀😀😀😀', '', 'é́e']) expect(pattern.test(value)).toBe(name.Check(value))
  })
})

describe('cursors', () => {
  test('round-trip a key', () => {
    const key = ['2026-01-01T00:00:00.000Z', 'id-1']
    expect(decodeCursor(encodeCursor(key), ['string', 'string'])).toEqual(key)
    expect(decodeCursor(encodeCursor([null, 5, 'x']), ['nullable-string', 'number', 'string'])).toEqual([null, 5, 'x'])
  })
  test.each(['', '!!!', 'bm90IGpzb24', encodeCursor(['a']), encodeCursor([1, 'x']), Buffer.from('{"a":1}').toString('base64url')])(
    'a tampered cursor (%p) is a validation failure',
    (cursor) => {
      expect(() => decodeCursor(cursor, ['string', 'string'])).toThrow(ValidationFailedError)
    },
  )
})
