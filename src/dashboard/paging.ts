/**
 * Cursor paging for a list screen: the cursors of the pages seen so far, so "previous" goes back
 * without the API having backward cursors. Immutable: each move returns a new state.
 */
export interface Paging {
  /** cursors[i] fetches page i; page 0 has none. */
  cursors: (string | null)[]
  index: number
  /** The next_cursor of the page on screen. */
  next: string | null
}

export const firstPage = (): Paging => ({ cursors: [null], index: 0, next: null })

export const currentCursor = (paging: Paging): string | null => paging.cursors[paging.index] ?? null

/** Records the page just loaded (its next_cursor). */
export const loaded = (paging: Paging, nextCursor: string | null): Paging => ({ ...paging, next: nextCursor })

export const hasNext = (paging: Paging) => paging.next !== null
export const hasPrevious = (paging: Paging) => paging.index > 0

export function nextPage(paging: Paging): Paging {
  if (paging.next === null) return paging
  return { cursors: [...paging.cursors.slice(0, paging.index + 1), paging.next], index: paging.index + 1, next: null }
}

export function previousPage(paging: Paging): Paging {
  if (paging.index === 0) return paging
  return { cursors: paging.cursors.slice(0, paging.index), index: paging.index - 1, next: null }
}

/** A query string from the filters (empty values left out) plus limit and the page's cursor. */
export function listQuery(filters: Record<string, string | undefined>, paging: Paging, limit = 20): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, value)
  params.set('limit', String(limit))
  const cursor = currentCursor(paging)
  if (cursor) params.set('cursor', cursor)
  return params.toString()
}
