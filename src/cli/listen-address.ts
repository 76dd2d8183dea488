import { CliError, EXIT } from './exit.ts'

/** `host:port` as an operator would type it (`[::1]:3000` for IPv6). */
export const formatAddress = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`

/** Turns Bun.serve's bind failure into one line naming the address (exit 69). */
export function listenError(error: unknown, host: string, port: number): CliError {
  const code = (error as { code?: string }).code
  const reason =
    code === 'EADDRINUSE'
      ? 'the address is already in use (another process listens there)'
      : code === 'EACCES'
        ? 'permission denied (ports under 1024 need privileges)'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : error instanceof Error
            ? error.message
            : String(error)
  return new CliError(`cannot listen on ${formatAddress(host, port)}: ${reason}`, EXIT.UNAVAILABLE)
}

export interface PortReservation {
  /** The port held (the one the system chose, when asked for port 0). */
  readonly port: number
  release(): Promise<void>
}

/**
 * Binds the port before the slow part of start-up (migrations, the image sweep, jobs), so a port
 * in use stops start-up before any of it runs. While it is held, requests get a 503 problem; it
 * is released right before the app listens on the same address. `reusePort: false`: without it
 * a second process would silently share the port with the first.
 */
export function reservePort(host: string, port: number): PortReservation {
  let server: ReturnType<typeof Bun.serve>
  try {
    server = Bun.serve({
      hostname: host,
      port,
      reusePort: false,
      development: false,
      fetch: () =>
        Response.json(
          { type: 'urn:kiosk:problem:starting', title: 'Service starting', status: 503, detail: 'Kiosk is starting; retry in a moment.' },
          { status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } },
        ),
    })
  } catch (error) {
    throw listenError(error, host, port)
  }
  let stopped: Promise<void> | undefined
  return { port: server.port!, release: () => (stopped ??= server.stop(true)) }
}
