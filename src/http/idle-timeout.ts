import type { Server } from 'bun'

/**
 * Lifts REQUEST_TIMEOUT (Bun's idleTimeout, see server-options.ts) for one request: an admin's
 * 12-month summary at a million orders may compute longer than it, and a CSV export goes quiet
 * while a slow client holds back its download. Used on admin routes only, after the auth guard, so
 * an anonymous client can't hold a connection open through it. Without a server (app.handle in
 * tests) there is nothing to lift.
 */
export function exemptFromIdleTimeout(server: Pick<Server<unknown>, 'timeout'> | null | undefined, request: Request) {
  server?.timeout(request, 0)
}
