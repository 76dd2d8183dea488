import { fstatSync, readFileSync, writeSync } from 'node:fs'

/* The access log's write to pino's own destination, bypassing SonicBoom's asynchronous path when that is safe. */

/** The parts of pino's SonicBoom destination read here (its fields; absent on any other stream). */
export interface Destination {
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
 * Only where a write cannot block the event loop: a regular file, Linux's memory devices
 * (/dev/null), a pipe in non-blocking mode (Bun sets it on stdout). Sockets, terminals and blocking
 * pipes keep SonicBoom. Whatever is not written (a full pipe) is handed to SonicBoom, from a line
 * boundary, so it goes out next, in order.
 */
export function directWriter(destination: Destination): ((text: string) => void) | undefined {
  const fd = destination.fd
  if (typeof fd !== 'number' || fd < 0 || typeof destination._writing !== 'boolean' || typeof destination._len !== 'number') return undefined
  let chunk: number
  try {
    const stat = fstatSync(fd)
    if (stat.isFile() || (stat.isCharacterDevice() && isMemoryDevice(stat.rdev))) chunk = Number.POSITIVE_INFINITY
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

/**
 * /dev/null, /dev/zero and the other Linux memory devices (major number 1), which never block a
 * write. Asked of the device number rather than of `isatty` (any other character device, a
 * terminal included, keeps SonicBoom): node:tty loads Node's net and stream modules, ~5 ms of every
 * start in a compiled one-line program. Elsewhere device numbers differ, and SonicBoom is kept.
 */
function isMemoryDevice(rdev: number): boolean {
  return process.platform === 'linux' && ((rdev >>> 8) & 0xfff) === 1
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
