import { fstatSync, readFileSync, writeSync } from 'node:fs'
import { isatty } from 'node:tty'

/*
 * The per-request access line, kept off pino's generic path. What made it cost ~7 µs per request
 * (bench/profile.ts): `new Date().toISOString()` per line (~1 µs), four `JSON.stringify` calls for
 * strings that almost never need escaping, and, when requests come one per event-loop turn, a
 * write per line. Here the time string is made once per millisecond, strings that need no escaping
 * are quoted as they are, and the lines of one event-loop turn are appended to one string (a rope:
 * nothing is copied until it is written) that is flushed with one write to the logger's own stream,
 * so access lines and other log lines keep their order. That write skips SonicBoom's asynchronous
 * path when it can (see `directWriter`): it cost ~1 µs per line, more than building the line.
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

/** Route templates and methods are few and fixed: their quoted forms are kept. */
const quoted = new Map<string, string>()
const QUOTED_MAX = 1024
function quotedName(name: string): string {
  let text = quoted.get(name)
  if (text === undefined) {
    text = jsonString(name)
    if (quoted.size < QUOTED_MAX) quoted.set(name, text)
  }
  return text
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
  const user = userId === undefined ? '' : `,"user_id":${jsonString(userId)}`
  return (
    `{"level":30,"time":"${isoTime(epochMs)}","request_id":${jsonString(requestId)},"method":${quotedName(method)},` +
    `"route":${quotedName(route)},"path":${jsonString(path)},"status":${status},` +
    `"duration_ms":${Math.round(durationMs * 100) / 100}${user},"msg":"request"}\n`
  )
}

export const accessLine = (entry: AccessEntry, epochMs: number): string =>
  formatAccessLine(epochMs, entry.requestId, entry.method, entry.route, entry.path, entry.status, entry.durationMs, entry.userId)

/** The parts of pino's SonicBoom destination read here (its fields; absent on any other stream). */
interface Destination {
  write(text: string): unknown
  fd?: unknown
  _writing?: unknown
  _len?: unknown
}

/** Writes at most this many bytes to a pipe at once: up to PIPE_BUF a pipe write is all or nothing. */
const PIPE_CHUNK = 4096

/**
 * A synchronous write to the destination's file descriptor, for when SonicBoom has nothing queued
 * or in flight (so no line can overtake another): one `write(2)` on this thread instead of
 * SonicBoom's trip through the thread pool, its callback and its re-encoding of the whole text.
 * Only where a write cannot block the event loop: a regular file, a device that is not a terminal
 * (/dev/null), a pipe in non-blocking mode (Bun sets it on stdout). Sockets, terminals and blocking
 * pipes keep SonicBoom. Whatever is not written (a full pipe) is handed to SonicBoom, from a line
 * boundary, so it goes out next, in order.
 */
function directWriter(destination: Destination): ((text: string) => void) | undefined {
  const fd = destination.fd
  if (typeof fd !== 'number' || fd < 0 || typeof destination._writing !== 'boolean' || typeof destination._len !== 'number') return undefined
  let chunk: number
  try {
    const stat = fstatSync(fd)
    if (stat.isFile() || (stat.isCharacterDevice() && !isatty(fd))) chunk = Number.POSITIVE_INFINITY
    else if (stat.isFIFO() && isNonBlocking(fd)) chunk = PIPE_CHUNK
    else return undefined
  } catch {
    return undefined
  }
  return (text) => {
    if (destination._writing !== false || destination._len !== 0) return void destination.write(text)
    // In UTF-16 units: at most 3 bytes each, so a slice of PIPE_CHUNK / 3 units fits in PIPE_CHUNK bytes.
    const limit = chunk === PIPE_CHUNK && Buffer.byteLength(text) !== text.length ? Math.floor(PIPE_CHUNK / 3) : chunk
    let start = 0
    while (start < text.length) {
      const end = text.length - start <= limit ? text.length : text.lastIndexOf('\n', start + limit - 1) + 1
      if (end <= start) break // one line longer than a pipe write: SonicBoom writes it, and what follows
      const part = start === 0 && end === text.length ? text : text.slice(start, end)
      let written: number
      try {
        written = writeSync(fd, part)
      } catch {
        break // EAGAIN (pipe full) or a real error, which SonicBoom then meets and reports as it did
      }
      if (written !== Buffer.byteLength(part)) {
        // A short write (not expected of these files): the rest of this part is written out first.
        const bytes = Buffer.from(part)
        try {
          while (written < bytes.length) written += writeSync(fd, bytes, written)
        } catch {
          return void destination.write(bytes.subarray(written).toString() + text.slice(end))
        }
      }
      start = end
    }
    if (start < text.length) destination.write(start === 0 ? text : text.slice(start))
  }
}

/** O_NONBLOCK of an open file, from /proc (Linux); false when it can't be read. */
function isNonBlocking(fd: number): boolean {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]
    return flags !== undefined && (Number.parseInt(flags, 8) & 0o4000) !== 0
  } catch {
    return false
  }
}

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
