/**
 * The deepest JSON nesting Kiosk accepts. No route's body needs more than a few levels; a limit
 * keeps hostile documents (`[[[[…` by the megabyte) away from every recursive walker (the
 * validator, the error mapper) that would otherwise overflow the stack.
 */
export const JSON_MAX_DEPTH = 64

/**
 * True when the JSON text nests arrays/objects deeper than `max`. One pass over the characters,
 * counting `[`/`{` outside strings (with their escapes); it allocates nothing and never recurses,
 * so it is safe to run on any text before JSON.parse. Malformed text is left to JSON.parse.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
