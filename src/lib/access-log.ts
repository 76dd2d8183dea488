/*
 * The per-request access line, kept off pino's generic path. What made it cost ~7 µs per request
 * (bench/profile.ts): `new Date().toISOString()` per line (~1 µs), four `JSON.stringify` calls for
 * strings that almost never need escaping, and, when requests come one per event-loop turn, a
 * write per line. Here the time string is made once per millisecond, strings that need no escaping
 * are quoted as they are, and the lines of one event-loop turn are appended to one string (a rope:
 * nothing is copied until it is written) that is flushed with one write to the logger's own stream,
 * so access lines and other log lines keep their order.
 */

export interface AccessEntry {
  requestId: string
  method: string
  route: string
  path: string
  status: number
  durationMs: number
  userId: string | undefined
}

/** Printable ASCII without `"` and `\`: such a string is its own JSON body. */
const NEEDS_NO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/

/** A JSON string literal, without JSON.stringify for the common case. */
export const jsonString = (value: string): string => (NEEDS_NO_ESCAPE.test(value) ? `"${value}"` : JSON.stringify(value))

let isoMs = Number.NaN
let isoText = ''
/** The ISO-8601 time of an epoch millisecond, as pino's isoTime writes it, made once per millisecond. */
export function isoTime(epochMs: number): string {
  if (epochMs !== isoMs) {
    isoText = new Date(epochMs).toISOString()
    isoMs = epochMs
  }
  return isoText
}

/** Route templates are few and fixed: their quoted forms are kept. */
const quotedRoutes = new Map<string, string>()
const QUOTED_ROUTES_MAX = 1024
function quotedRoute(route: string): string {
  let quoted = quotedRoutes.get(route)
  if (quoted === undefined) {
    quoted = jsonString(route)
    if (quotedRoutes.size < QUOTED_ROUTES_MAX) quotedRoutes.set(route, quoted)
  }
  return quoted
}

/**
 * The request's log line, byte for byte what pino writes for `logger.info({...}, 'request')` with
 * Kiosk's logger options (level, ISO time, the fields, msg); test/http/access-log.test.ts compares
 * them. These fields hold no secret, so there is nothing to redact.
 */
export function accessLine(entry: AccessEntry, epochMs: number): string {
  const user = entry.userId === undefined ? '' : `,"user_id":${jsonString(entry.userId)}`
  return (
    `{"level":30,"time":"${isoTime(epochMs)}","request_id":${jsonString(entry.requestId)},"method":${jsonString(entry.method)},` +
    `"route":${quotedRoute(entry.route)},"path":${jsonString(entry.path)},"status":${entry.status},` +
    `"duration_ms":${Math.round(entry.durationMs * 100) / 100}${user},"msg":"request"}\n`
  )
}

/**
 * Access lines of one event-loop turn go out in one write: under load that is one write for many
 * requests, and at rest a line still leaves within the turn.
 */
export function createAccessLog(destination: { write(text: string): unknown }) {
  let pending = ''
  const flush = () => {
    const text = pending
    pending = ''
    destination.write(text)
  }
  return {
    write(entry: AccessEntry) {
      if (!pending) setImmediate(flush)
      // Wall time on purpose (not the context's clock): a log line's time is when it was written.
      pending += accessLine(entry, Date.now())
    },
  }
}
