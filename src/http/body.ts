import { Elysia } from 'elysia'
import { BadRequestError, UnsupportedMediaTypeError } from '../lib/errors.ts'
import { readLimited } from './body-limit.ts'
import { JSON_MAX_DEPTH, jsonNestsDeeperThan } from './json-depth.ts'

/*
 * The one reader of request bodies (except routes that read their own, e.g. image uploads), as a
 * global parse hook, so no route falls back to Elysia's unbounded `request.json()`:
 *   1. the route's authentication runs first (401/403 before anything about the body);
 *   2. the media type: JSON, and on `formRoutes` also application/x-www-form-urlencoded; any other
 *      type, or a body without one, is 415;
 *   3. the body is read counting bytes, whatever its framing (413 at the limit, see body-limit.ts);
 *   4. JSON nested deeper than JSON_MAX_DEPTH is 400 before JSON.parse, so no recursive code ever
 *      sees it; text that is not JSON is 400.
 * Errors thrown here reach the problem plugin as parse errors (RFC 6749 bodies on the OAuth routes).
 */

export const JSON_TYPE = 'application/json'
export const FORM_TYPE = 'application/x-www-form-urlencoded'

export interface BodyOptions {
  /** Largest body, in bytes. */
  limit: number
  /** Route templates that also take form bodies (the OAuth endpoints). */
  formRoutes: string[]
  /** `METHOD /template` of routes that read their own body: left alone. */
  ownReaders: string[]
  /** Runs before the body is read: the route's authentication and role check. */
  gate(request: Request, route: string): Promise<unknown> | void
}

/** The media type of a Content-Type header, lower-cased, without parameters; '' when absent. */
export function mediaType(header: string | null): string {
  if (!header) return ''
  const semicolon = header.indexOf(';')
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase()
}

/** A form body as an object; a repeated name becomes an array (which validation then refuses). */
function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = out[name]
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return out
}

const decoder = new TextDecoder()

export function parseJsonBody(text: string): unknown {
  if (jsonNestsDeeperThan(text, JSON_MAX_DEPTH)) {
    throw new BadRequestError(`The JSON body nests deeper than ${JSON_MAX_DEPTH} levels.`)
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new BadRequestError('The request body is not valid JSON.')
  }
}

export function bodyPlugin(options: BodyOptions) {
  const ownReaders = new Set(options.ownReaders)
  const formRoutes = new Set(options.formRoutes)
  return new Elysia({ name: 'kiosk/body' }).onParse({ as: 'global' }, async ({ request, route }) => {
    if (ownReaders.has(`${request.method} ${route}`)) return undefined
    await options.gate(request, route)
    const declared = request.headers.get('content-length')
    // No body at all (whatever Content-Type says): `null`, so the route's schema decides, and
    // Elysia's own parser never runs. (`request.body` is only touched without a declared length:
    // the getter makes a stream.)
    if (declared === '0' || (declared === null && request.body === null)) return null
    const type = mediaType(request.headers.get('content-type'))
    const takesForm = formRoutes.has(route)
    if (type && type !== JSON_TYPE && !(takesForm && type === FORM_TYPE)) throw unsupported(takesForm)
    // A declared length within the limit bounds what Bun reads: its own native read then, one
    // await instead of a JS stream loop (measured in bench/profile-orders.ts). Anything else is
    // counted while it streams.
    const bytes =
      declared !== null && Number(declared) <= options.limit
        ? new Uint8Array(await request.arrayBuffer())
        : await readLimited(request.body, options.limit)
    if (bytes.byteLength === 0) return null
    if (!type) throw unsupported(takesForm)
    const text = decoder.decode(bytes)
    return type === FORM_TYPE ? parseForm(text) : parseJsonBody(text)
  })
}

const unsupported = (takesForm: boolean) =>
  new UnsupportedMediaTypeError(
    takesForm ? `The body must be ${FORM_TYPE} or ${JSON_TYPE}.` : `The body must be ${JSON_TYPE}.`,
  )
