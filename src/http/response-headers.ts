/** Sent on every response; the docs and dashboard pages replace the CSP with the one their UI needs. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
} as const

const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS)

/**
 * A prebuilt header set for a Response a handler builds on a hot path (a cached read): the given
 * headers plus every response's static ones, made once and copied natively into each Response, so
 * the request plugin finds them present and only adds the request's own (id, Server-Timing).
 * Copying a Headers costs a fraction of setting its entries one by one (bench/profile.ts).
 */
export function prebuiltHeaders(headers: Record<string, string>): Headers {
  return new Headers({ ...SECURITY_HEADERS, ...headers })
}

/** Responses built by `prebuiltResponse`: they have the static set, and none of the request's own headers. */
const prebuilt = new WeakSet<Response>()

/**
 * A Response with prebuilt headers (from `prebuiltHeaders`, so without `x-request-id` and
 * `server-timing`). The request plugin then sets those two without looking for them first: on the
 * cached read each Headers lookup is a native call, and the three it saves cost more than this mark.
 */
export function prebuiltResponse(body: ConstructorParameters<typeof Response>[0], init: { status?: number; headers: Headers }): Response {
  const response = new Response(body, init)
  prebuilt.add(response)
  return response
}

export const isPrebuiltResponse = (response: Response): boolean => prebuilt.has(response)

/**
 * Adds the static headers a Response lacks (those it has win). A Response that carries
 * `x-content-type-options` is taken to carry the whole set (prebuiltHeaders and problem responses
 * do; build any other Response that sets it with prebuiltHeaders): one lookup instead of four on
 * the hot path, where each Headers lookup is a native call.
 */
export function addSecurityHeaders(headers: Headers) {
  if (headers.has('x-content-type-options')) return
  for (const [name, value] of SECURITY_HEADER_ENTRIES) if (!headers.has(name)) headers.set(name, value)
}

/** The same for Elysia's `set.headers`, from which it builds the Response of any other answer. */
export function addSecurityHeaderFields(fields: Record<string, unknown>) {
  for (const [name, value] of SECURITY_HEADER_ENTRIES) if (!(name in fields)) fields[name] = value
}
