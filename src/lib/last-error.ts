/** At most this many characters (code points) of an attempt's error are kept and shown to admins. */
export const LAST_ERROR_MAX_CHARS = 500

/** An attempt's error as stored: cut to LAST_ERROR_MAX_CHARS code points, an ellipsis marking the cut. */
export function lastError(text: string): string {
  const chars = [...text]
  return chars.length > LAST_ERROR_MAX_CHARS ? `${chars.slice(0, LAST_ERROR_MAX_CHARS - 1).join('')}…` : text
}
