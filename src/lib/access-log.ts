import { directWriter, type Destination } from './direct-write.ts'

/*
 * The per-request access line, kept off pino's generic path. What made it cost ~7 µs per request
 * (bench/profile.ts): `new Date().toISOString()` per line (~1 µs), four `JSON.stringify` calls for
 * strings that almost never need escaping, and, when requests come one per event-loop turn, a
 * write per line. Here the time string is made once per millisecond, strings that need no escaping
 * are quoted as they are, and the lines of one event-loop turn are appended to one string (a rope:
 * nothing is copied until it is written) that is flushed with one write to the logger's own stream,
 * so access lines and other log lines keep their order. That write skips SonicBoom's asynchronous
 * path when it can (src/lib/direct-write.ts): it cost ~1 µs per line, as much as building the line.
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

/** A string's JSON form without its quotes (for strings that need no escaping, the string itself). */
const jsonInner = (value: string): string => (NEEDS_NO_ESCAPE.test(value) ? value : JSON.stringify(value).slice(1, -1))

/**
 * A line is a few long pieces, not the ~20 short ones of a template per field: JSC joins them as
 * a rope, and flattening a rope costs per piece (~0.4 µs of a line's ~1.4 when it was written).
 * The pieces that repeat are made once: the start up to the request id (per millisecond), the
 * method and route (per pair; route templates are few and fixed), the status.
 */
let headMs = Number.NaN
let head = ''
const methodRoute = new Map<string, Map<string, string>>()
const statusPart = new Map<number, string>()
const CACHED_MAX = 1024

/** `Math.round(ms * 100) / 100` as JavaScript prints it, from integers (no float-to-string). */
function hundredths(ms: number): string {
  const rounded = Math.round(ms * 100)
  const whole = Math.floor(rounded / 100)
  const fraction = rounded - whole * 100
  if (fraction === 0) return `${whole}`
  if (fraction % 10 === 0) return `${whole}.${fraction / 10}`
  return `${whole}.${fraction < 10 ? '0' : ''}${fraction}`
}

/**
 * The request's log line, byte for byte what pino writes for `logger.info({...}, 'request')` with
 * Kiosk's logger options (level, ISO time, the fields, msg); test/http/access-log.test.ts compares
 * them. These fields hold no secret, so there is nothing to redact. Positional, so the request path
 * builds no entry object.
 */
export function formatAccessLine(
  epochMs: number,
  requestId: string,
  method: string,
  route: string,
  path: string,
  status: number,
  durationMs: number,
  userId: string | undefined,
): string {
  if (epochMs !== headMs) {
    head = `{"level":30,"time":"${isoTime(epochMs)}","request_id":"`
    headMs = epochMs
  }
  let byRoute = methodRoute.get(method)
  if (byRoute === undefined) {
    byRoute = new Map()
    if (methodRoute.size < CACHED_MAX) methodRoute.set(method, byRoute)
  }
  let middle = byRoute.get(route)
  if (middle === undefined) {
    middle = `","method":"${jsonInner(method)}","route":"${jsonInner(route)}","path":"`
    if (byRoute.size < CACHED_MAX) byRoute.set(route, middle)
  }
  let statusText = statusPart.get(status)
  if (statusText === undefined) {
    statusText = `","status":${status},"duration_ms":`
    if (statusPart.size < CACHED_MAX) statusPart.set(status, statusText)
  }
  const user = userId === undefined ? '' : `,"user_id":"${jsonInner(userId)}"`
  return head + jsonInner(requestId) + middle + jsonInner(path) + statusText + hundredths(durationMs) + user + ',"msg":"request"}\n'
}

export const accessLine = (entry: AccessEntry, epochMs: number): string =>
  formatAccessLine(epochMs, entry.requestId, entry.method, entry.route, entry.path, entry.status, entry.durationMs, entry.userId)

/**
 * Access lines of one event-loop turn go out in one write: under load that is one write for many
 * requests, and at rest a line still leaves within the turn.
 */
export function createAccessLog(destination: Destination) {
  let pending = ''
  // Decided at the first write: a destination opened by path gets its descriptor asynchronously.
  let write: ((text: string) => void) | undefined
  let decided = !('fd' in destination)
  const flush = () => {
    const text = pending
    pending = ''
    if (!decided && typeof destination.fd === 'number' && destination.fd >= 0) {
      write = directWriter(destination)
      decided = true
    }
    if (write) write(text)
    else destination.write(text)
  }
  return {
    write(requestId: string, method: string, route: string, path: string, status: number, durationMs: number, userId: string | undefined) {
      if (!pending) setImmediate(flush)
      // Wall time on purpose (not the context's clock): a log line's time is when it was written.
      pending += formatAccessLine(Date.now(), requestId, method, route, path, status, durationMs, userId)
    },
  }
}
