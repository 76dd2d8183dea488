/*
 * A cursor's key as PostgreSQL can bind it. Cursors this API issues always bind as they are; these
 * rules are for forged ones, which must page as SQLite pages them, never fail. Both rest on what no
 * stored key holds: a control character (ids, timestamps and names have none) or a price or
 * relevance outside int4.
 */

const INT_MIN = -2_147_483_648
const INT_MAX = 2_147_483_647

/**
 * PostgreSQL text can't hold a NUL; SQLite compares one as the least character. With `p` the text
 * before the first NUL, a key without control characters is after the value exactly when it is
 * after `p`, and before it exactly when it is at most `p`: both hold for `p + '\u0001'` and no key
 * equals that, so it stands for the value in either direction.
 */
export function cursorString(value: string): string {
  const nul = value.indexOf('\u0000')
  return nul === -1 ? value : `${value.slice(0, nul)}\u0001`
}

/**
 * An integer key (price, relevance) to compare `(key, id)` with. A whole number in range binds as
 * it is (`id` undefined: the cursor's own id follows it). Any other finite number (SQLite compares
 * integers with it numerically) becomes the integer bound that keeps the same rows, with '' for the
 * id (below every id): ascending, "after 1.5" is "from 2" = `> (2, '')`; descending, "before 1.5"
 * is "up to 1" = `< (2, '')`. Out-of-range values clamp to int4, beyond every stored key.
 */
export function cursorNumber(value: number, descending: boolean): { value: number; id?: string } {
  if (Number.isInteger(value) && value >= INT_MIN && value <= INT_MAX) return { value }
  const bound = descending ? Math.floor(value) + 1 : Math.ceil(value)
  return { value: Math.min(INT_MAX, Math.max(INT_MIN, bound)), id: '' }
}
