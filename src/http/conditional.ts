/* Conditional GET (RFC 9110 §13): the validators' comparison, shared by every route that sends an ETag. */

/**
 * If-None-Match against one ETag (RFC 9110 §13.1.2: weak comparison, `*` matches any current
 * representation).
 */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false
  if (header.trim() === '*') return true
  for (const candidate of header.split(',')) {
    const tag = candidate.trim()
    if (tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true
  }
  return false
}
