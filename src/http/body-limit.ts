import { PayloadTooLargeError } from '../lib/errors.ts'

/*
 * Request bodies are counted while they stream, whatever their framing (Content-Length or chunked):
 * a body is held in memory only up to its route's limit, so memory stays bounded by the limit times
 * the requests in flight.
 *
 * A refused body is still read and discarded, up to LINGER_BYTES, before the 413 goes out (or, for a
 * declared Content-Length, Bun discards it after the answer): a client that writes its whole body
 * before reading (Python's http.client, requests) then reads the 413 instead of a broken pipe, as
 * nginx's lingering close does. Past that bound the 413 carries `Connection: close` and the socket is
 * closed, so nobody can make the server swallow an endless upload.
 */

/** How much of a refused body is read and discarded before the connection is closed instead. */
export const lingerBytes = (limit: number) => Math.max(64 * 1024 * 1024, 2 * limit)

/** A 413; `closeConnection` when the client sent (or declared) more than the lingering bound. */
export class BodyTooLargeError extends PayloadTooLargeError {
  constructor(
    limit: number,
    readonly closeConnection: boolean,
    what = 'request body',
  ) {
    super(`The ${what} is larger than ${limit} bytes.`)
  }
}

/** 413 for a declared Content-Length over `limit` (checked before anything is read). */
export function checkDeclaredLength(request: Request, limit: number) {
  const declared = request.headers.get('content-length')
  if (declared === null) return
  const length = Number(declared)
  if (length > limit) throw new BodyTooLargeError(limit, length > lingerBytes(limit))
}

/**
 * Reads a body stream into one buffer of at most `limit` bytes. Past the limit it keeps reading and
 * discarding (up to the lingering bound) and then throws a 413.
 */
export async function readLimited(stream: ReadableStream<Uint8Array> | null, limit: number, what?: string): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  const bound = lingerBytes(limit)
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total <= limit) {
      chunks.push(value)
      continue
    }
    chunks.length = 0 // refused: nothing of it is kept
    if (total > bound) {
      await reader.cancel().catch(() => {})
      throw new BodyTooLargeError(limit, true, what)
    }
  }
  if (total > limit) throw new BodyTooLargeError(limit, false, what)
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)
}
