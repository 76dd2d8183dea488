import type { Socket } from 'bun'

/*
 * A TCP proxy to put between a process and its server, so a test can make the server unreachable
 * and bring it back without touching the server itself. `cut()` drops every connection through it
 * and closes its port, so connecting is refused (as when the server is down); `restore()` listens
 * on the same port again and forwards.
 */

export interface TcpProxy {
  /** The port it listens on, on 127.0.0.1. */
  port: number
  /** Connections forwarded right now. */
  readonly open: number
  cut(): void
  restore(): void
  stop(): void
}

/** Writes to a socket in order, keeping what the socket did not take yet until it drains. */
function queuedWriter(socket: Socket<unknown>) {
  let pending: Uint8Array[] = []
  return {
    write(chunk: Uint8Array) {
      if (pending.length) return void pending.push(chunk)
      const written = socket.write(chunk)
      if (written < chunk.byteLength) pending.push(chunk.subarray(Math.max(written, 0)))
    },
    drain() {
      while (pending.length) {
        const chunk = pending[0]!
        const written = socket.write(chunk)
        if (written < chunk.byteLength) {
          pending[0] = chunk.subarray(Math.max(written, 0))
          return
        }
        pending.shift()
      }
    },
    clear() {
      pending = []
    },
  }
}

interface Pair {
  client: Socket<Pair>
  toClient: ReturnType<typeof queuedWriter>
  server?: Socket<unknown>
  toServer?: ReturnType<typeof queuedWriter>
  /** What the client sent before the connection to the server was made. */
  early: Uint8Array[]
  closed: boolean
}

export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const pairs = new Set<Pair>()

  const close = (pair: Pair) => {
    if (pair.closed) return
    pair.closed = true
    pairs.delete(pair)
    pair.client.terminate()
    pair.server?.terminate()
  }

  const forward = (client: Socket<Pair>) => {
    const pair: Pair = { client, toClient: queuedWriter(client as Socket<unknown>), early: [], closed: false }
    client.data = pair
    pairs.add(pair)
    Bun.connect({
      hostname: target.hostname,
      port: target.port,
      socket: {
        data: (_server, chunk) => pair.toClient.write(new Uint8Array(chunk)),
        drain: () => pair.toServer?.drain(),
        close: () => close(pair),
        error: () => close(pair),
      },
    }).then(
      (server) => {
        if (pair.closed) return void server.terminate()
        pair.server = server
        pair.toServer = queuedWriter(server)
        for (const chunk of pair.early.splice(0)) pair.toServer.write(chunk)
      },
      () => close(pair),
    )
  }

  const listen = (port: number) =>
    Bun.listen<Pair>({
      hostname: '127.0.0.1',
      port,
      socket: {
        open: forward,
        data(client, chunk) {
          // Copied: the chunk's memory may be reused once this returns.
          const bytes = new Uint8Array(chunk)
          if (client.data.toServer) client.data.toServer.write(bytes)
          else client.data.early.push(bytes)
        },
        drain: (client) => client.data.toClient.drain(),
        close: (client) => client.data && close(client.data),
        error: (client) => client.data && close(client.data),
      },
    })

  let listener: ReturnType<typeof listen> | undefined = listen(0)
  const port = listener.port

  return {
    port,
    get open() {
      return pairs.size
    },
    cut() {
      listener?.stop(true)
      listener = undefined
      for (const pair of [...pairs]) close(pair)
    },
    restore() {
      listener ??= listen(port)
    },
    stop() {
      this.cut()
    },
  }
}
