import { ValidationFailedError } from '../../lib/errors.ts'

/*
 * PostgreSQL text can't hold a NUL (U+0000): a value with one makes the server refuse the whole
 * statement (SQLSTATE 22021), which reached clients as a 500. SQLite's text can. So a store checks
 * what a request brought before it binds it: a key or filter with a NUL names no row (SQLite finds
 * none either, no stored key has one), a forged cursor with one is invalid (as the catalog's), and
 * free text to store with one is refused with a 422 naming the field (SQLite would store it).
 */

export const hasNul = (value: string | null | undefined): boolean => typeof value === 'string' && value.includes('\u0000')

/** Throws the cursor's 422 when a decoded cursor key holds a NUL. */
export function checkCursorKey(values: readonly unknown[]): void {
  if (values.some((value) => typeof value === 'string' && hasNul(value))) {
    throw new ValidationFailedError('The cursor is not valid.', [{ path: '/cursor', message: 'invalid cursor', in: 'query' }])
  }
}

/** Throws a 422 naming each body field (JSON pointer → value) whose text holds a NUL. */
export function refuseNulText(fields: Record<string, string | null | undefined>): void {
  const errors = Object.entries(fields)
    .filter(([, value]) => hasNul(value))
    .map(([path]) => ({ path, message: 'must not contain a NUL character (U+0000)', in: 'body' }))
  if (errors.length) throw new ValidationFailedError('The request body is invalid.', errors)
}
