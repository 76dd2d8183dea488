import type { Server } from 'bun'

/**
 * The client's address for rate limits. X-Forwarded-For is trusted only with TRUST_PROXY=true
 * (it is whatever the client wants it to be otherwise); under app.handle() there is no socket.
 */
export function clientAddress(request: Request, server: Server<unknown> | null, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}
