/**
 * The typed Kiosk client: Eden treaty on the `App` type, plus the bearer token.
 * `bun run build:client` ships this file (bundled) with the declarations of `App` and the public
 * models as the `kiosk-client` package in dist/client/; there `App` comes from the generated
 * ./types.d.ts instead of the source tree, so consumers need neither Kiosk's source nor its dependencies.
 */
import { treaty, type Treaty } from '@elysiajs/eden'
import type { App } from '../app.ts'

export type { App }

/** Headers every call may set, so that per-call `authorization` type-checks next to route headers such as `idempotency-key`. */
export type KioskHeaders = { authorization: string }

/** The access token, or a function that returns the current one (called before every request, e.g. after a refresh). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>)

export interface KioskClientOptions extends Omit<Treaty.Config<KioskHeaders>, 'headers'> {
  /** Sent as `authorization: Bearer <token>`; a per-call `authorization` header wins. */
  token?: TokenSource
  /** Sent with every request (a per-call header of the same name wins). */
  headers?: Record<string, string>
}

export type KioskClient = Treaty.Create<App, KioskHeaders>

/**
 * A client for the Kiosk API at `baseUrl` (e.g. `http://localhost:3000`). Responses are
 * `{ data, error, status, response }`: `data` is typed per status (2xx), `error.value` is the
 * problem document (or the RFC 6749 error of `/token`).
 */
export function createKioskClient(baseUrl: string, options: KioskClientOptions = {}): KioskClient {
  const { token, headers = {}, ...config } = options
  return treaty<App, KioskHeaders>(baseUrl, {
    // Kiosk's timestamps are strings in its types; Eden would otherwise turn every date-like string into a Date.
    parseDate: false,
    ...config,
    headers: async () => {
      const current = typeof token === 'function' ? await token() : token
      return current ? { ...headers, authorization: `Bearer ${current}` } : headers
    },
  })
}
