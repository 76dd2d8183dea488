import { ValidationFailedError } from './errors.ts'

/**
 * Opaque keyset cursors: base64url of a JSON array holding the sort key of the last row and its id.
 * Keyset (not offset) pagination is stable under concurrent inserts. A cursor that does not decode
 * to the expected shape is a 422, never a 500.
 */
export type CursorKey = (string | number | null)[]

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url')
}

/** Decodes a cursor made by encodeCursor; `shape` names the type of each element, in order. */
export function decodeCursor(cursor: string, shape: ('string' | 'number' | 'nullable-string' | 'nullable-number')[]): CursorKey {
  const invalid = () => new ValidationFailedError('The cursor is not valid.', [{ path: '/cursor', message: 'invalid cursor', in: 'query' }])
  let key: unknown
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid()
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  if (!Array.isArray(key) || key.length !== shape.length) throw invalid()
  shape.forEach((kind, index) => {
    const value = key[index]
    const ok =
      kind === 'string'
        ? typeof value === 'string'
        : kind === 'number'
          ? Number.isFinite(value)
          : kind === 'nullable-string'
            ? value === null || typeof value === 'string'
            : value === null || Number.isFinite(value)
    if (!ok) throw invalid()
  })
  return key as CursorKey
}
