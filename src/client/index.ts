/**
 * The typed Kiosk client: Eden treaty on the `App` type, plus the bearer token.
 * `bun run build:client` ships this file (bundled) with the declarations of `App` and the public
 * models as the `kiosk-client` package in dist/client/; there `App` comes from the generated
 * ./types.d.ts instead of the source tree, so consumers need neither Kiosk's source nor its dependencies.
 */
import { treaty, type Treaty } from '@elysiajs/eden'
import type { Elysia } from 'elysia'
import type { App } from '../app.ts'

export type { App }

/**
 * Headers any call may send next to its route's own (e.g. `idempotency-key` on POST /orders):
 * `authorization` (another token for one call) and any other header, as HTTP allows.
 */
export type CallHeaders = { authorization?: string; [name: string]: string | undefined }

/*
 * Every route of `Routes` with CallHeaders added to its headers. Eden's own way (a treaty `Head`
 * type) drops the route's optional headers (it Omits from `headers | undefined`), and without it
 * `authorization` next to `idempotency-key` is an excess property.
 */
type WithCallHeaders<Routes> = {
  [K in keyof Routes]: Routes[K] extends { headers: infer Headers; response: unknown }
    ? Omit<Routes[K], 'headers'> & { headers: (unknown extends Headers ? {} : Headers) & CallHeaders }
    : WithCallHeaders<Routes[K]>
}

/** The app as the client sees it: Kiosk's routes, each also taking CallHeaders. */
export type ClientApp = Elysia<
  '',
  { decorator: {}; store: {}; derive: {}; resolve: {} },
  { typebox: {}; error: {} },
  { schema: {}; standaloneSchema: {}; macro: {}; macroFn: {}; parser: {}; response: {} },
  WithCallHeaders<App['~Routes']>
>

/** The access token, or a function that returns the current one (called before every request, e.g. after a refresh). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>)

export interface KioskClientOptions extends Omit<Treaty.Config, 'headers'> {
  /** Sent as `authorization: Bearer <token>`; a per-call `authorization` header wins. */
  token?: TokenSource
  /** Sent with every request (a per-call header of the same name wins). */
  headers?: Record<string, string>
}

export type KioskClient = Treaty.Create<ClientApp>

/**
 * A client for the Kiosk API at `baseUrl` (e.g. `http://localhost:3000`). Responses are
 * `{ data, error, status, response }`: `data` is typed per status (2xx), `error.value` is the
 * problem document (or the RFC 6749 error of `/token`).
 */
export function createKioskClient(baseUrl: string, options: KioskClientOptions = {}): KioskClient {
  const { token, headers = {}, ...config } = options
  return treaty<ClientApp>(baseUrl, {
    // Kiosk's timestamps are strings in its types; Eden would otherwise turn every date-like string into a Date.
    parseDate: false,
    ...config,
    headers: async () => {
      const current = typeof token === 'function' ? await token() : token
      return current ? { ...headers, authorization: `Bearer ${current}` } : headers
    },
  })
}
