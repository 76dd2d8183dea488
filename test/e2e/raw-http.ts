import { connect } from 'node:net'

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** Raw bytes of the head, as sent. */
  head: string
}

/**
 * One HTTP/1.1 exchange over a plain socket, the way simple clients (Python's http.client,
 * requests) do it: write the whole request, head and body, and only then read the answer.
 * `bodyBytes` sends that many bytes of body after the head. Resolves with the parsed response, or
 * rejects with the socket error (e.g. EPIPE when the server closed while the body was still going).
 */
export function rawExchange(url: string, head: string, bodyBytes = 0): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let received: Buffer = Buffer.alloc(0)
    let written = bodyBytes === 0
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      const text = received.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (error && !(written && end !== -1)) {
        settled = true
        socket.destroy()
        return reject(error)
      }
      if (end === -1) return
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      const length = Number(headers['content-length'] ?? 0)
      if (received.length - (end + 4) < length && !error) return
      settled = true
      socket.end()
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: received.subarray(end + 4, end + 4 + length).toString('utf8'), head: text.slice(0, end) })
    }
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, Buffer.from(chunk)])
      // Like http.client: the answer is only looked at once the whole body has been written.
      if (written) finish()
    })
    socket.on('error', (error) => finish(error))
    socket.on('close', () => finish(new Error(`connection closed after ${received.length} bytes`)))
    socket.write(head)
    if (bodyBytes > 0) {
      const chunk = Buffer.alloc(64 * 1024, 0x61)
      let sent = 0
      const pump = () => {
        while (sent < bodyBytes) {
          const part = chunk.subarray(0, Math.min(chunk.length, bodyBytes - sent))
          sent += part.length
          if (!socket.write(part)) return void socket.once('drain', pump)
        }
        socket.write('', () => {
          written = true
          finish()
        })
      }
      pump()
    }
  })
}
