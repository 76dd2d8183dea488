import type { Server } from 'bun'

/**
 * The client's address for rate limits. X-Forwarded-For is trusted only with TRUST_PROXY=true
 * (it is whatever the client wants it to be otherwise), and then only its right-most entry: the
 * one your proxy appended. Entries to its left were sent by the client and can be anything, so
 * keying a limit on them would let every request pick a fresh address. Under app.handle() there
 * is no socket.
 */
export function clientAddress(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim()
    if (forwarded) return forwarded.slice(0, 64)
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
