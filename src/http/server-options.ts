import type { Server } from 'bun'
import type { AppContext } from '../context.ts'
import { problemBody, problemResponse } from './problem.ts'
import { SECURITY_HEADERS } from './response-headers.ts'

/**
 * The Bun.serve options Kiosk always listens with, whatever NODE_ENV says:
 * - `development: false`: Bun's development error page (stack, paths, source lines) is never sent;
 * - `error`: the last resort for anything that escapes the app's own error handling, answered as a
 *   problem with the usual headers, never Bun's page or its bare text/plain 500;
 * - no Bun body-size ceiling: Bun would answer an oversized Content-Length itself with a bare 413
 *   before the app runs; the app refuses declared and streamed bodies over its limits itself;
 * - `idleTimeout` from REQUEST_TIMEOUT: Bun closes a connection silent that long, also one whose
 *   answer is still being computed. Known-long routes lift it per request (`exemptFromIdleTimeout`).
 */
export function serverOptions(ctx: Pick<AppContext, 'logger'> & { config: Pick<AppContext['config'], 'REQUEST_TIMEOUT'> }) {
  return {
    development: false,
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: ctx.config.REQUEST_TIMEOUT / 1000,
    error(error: Error): Response {
      const requestId = Bun.randomUUIDv7()
      ctx.logger.error({ err: error, request_id: requestId }, 'unhandled server error')
      return lastResortResponse(requestId)
    },
  }
}

/** A 500 problem without a request at hand: `instance` names the occurrence by its id. */
export function lastResortResponse(requestId: string): Response {
  const request = new Request(`http://kiosk.invalid/`, { headers: { 'x-request-id': requestId } })
  const problem = { ...problemBody(request, 500, 'An unexpected error occurred.'), instance: `urn:uuid:${requestId}`, request_id: requestId }
  return problemResponse(problem, { ...SECURITY_HEADERS, 'x-request-id': requestId, 'cache-control': 'no-store' })
}

/**
 * Where a client reaches the server and its docs. A server bound to every interface (0.0.0.0, ::)
 * is reachable on the loopback address, so that is the URL logged, not an address nobody can open.
 */
export function listeningUrls(server: Pick<Server<unknown>, 'url'>): { url: string; docs: string } {
  const url = new URL(server.url.href)
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1'
  else if (url.hostname === '[::]') url.hostname = '[::1]'
  return { url: url.href, docs: new URL('/docs', url).href }
}
