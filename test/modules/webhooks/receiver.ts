import type { Socket, TCPSocketListener } from 'bun'

/** What a receiver saw of one request. */
export interface Received {
  path: string
  headers: Record<string, string>
  body: string
}

export type Respond = (request: Request, received: Received, count: number) => Response | Promise<Response>

/**
 * A real HTTP receiver on 127.0.0.1 (a free port) that records every request and answers with
 * `respond`. `arrivals(n)` resolves once n requests have come in: tests wait on events, not time.
 */
export function startReceiver(respond: Respond = () => new Response('ok')) {
  const received: Received[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const entry = {
        path: new URL(request.url).pathname,
        headers: Object.fromEntries(request.headers),
        body: await request.text(),
      }
      received.push(entry)
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
      return respond(request, entry, received.length)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    port: server.port!,
    received,
    arrivals(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    stop: () => server.stop(true),
  }
}

export type Receiver = ReturnType<typeof startReceiver>

/** A gate that held requests wait on until the test opens it. */
export function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

/** A TCP server that accepts, reads the request, and closes the connection without answering. */
export function startHangUpServer(): { url: string; connections: () => number; stop(): void } {
  let connections = 0
  const listener: TCPSocketListener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open() {
        connections++
      },
      data(socket: Socket) {
        socket.end()
      },
    },
  })
  return { url: `http://127.0.0.1:${listener.port}/hook`, connections: () => connections, stop: () => listener.stop(true) }
}
