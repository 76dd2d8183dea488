import { cors } from '@elysiajs/cors'
import { Elysia } from 'elysia'
import pino from 'pino'
import type { AppContext } from '../context.ts'
import { checkDeclaredLength } from './body-limit.ts'
import { checkRequestHead } from './head-limits.ts'
import { beginRequest, requestState, serverTiming } from './request-state.ts'

/** Sent on every response; the docs page replaces the CSP with the one its UI needs. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
} as const

/** The one route that takes bodies larger than BODY_LIMIT (it enforces IMAGE_MAX_BYTES itself, while reading). */
const IMAGE_UPLOAD = /^\/products\/[^/]+\/image\/?$/
/** Room for a multipart form's boundaries and part headers around an image of IMAGE_MAX_BYTES. */
export const MULTIPART_SLACK = 64 * 1024

const statusOf = (response: unknown, fallback: unknown): number =>
  response instanceof Response ? response.status : typeof fallback === 'number' ? fallback : 200

/** The path of an absolute request URL, without parsing all of it (the query is left out). */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  const query = url.indexOf('?', start)
  return url.slice(start, query === -1 ? undefined : query)
}

interface AccessEntry {
  requestId: string
  method: string
  route: string
  path: string
  status: number
  durationMs: number
  userId: string | undefined
}

/**
 * The request's log line, serialised by hand into exactly what pino writes for
 * `logger.info({...}, 'request')` with Kiosk's logger options (level, ISO time, the fields, msg).
 * pino's generic serialisation and redaction cost more than the rest of a cached read (see
 * bench/profile.ts); these fields hold no secret, so there is nothing to redact.
 */
export function accessLine(entry: AccessEntry, time: Date): string {
  return (
    `{"level":30,"time":"${time.toISOString()}","request_id":${JSON.stringify(entry.requestId)},"method":${JSON.stringify(entry.method)},` +
    `"route":${JSON.stringify(entry.route)},"path":${JSON.stringify(entry.path)},"status":${entry.status},` +
    `"duration_ms":${Math.round(entry.durationMs * 100) / 100}${entry.userId === undefined ? '' : `,"user_id":${JSON.stringify(entry.userId)}`},"msg":"request"}\n`
  )
}

/**
 * Request context: request id, security headers, the body-size gate, Server-Timing, one log
 * line and the HTTP metrics per request. Kept allocation-light: it runs on every request.
 */
export function requestPlugin(ctx: AppContext) {
  const { config, logger, metrics } = ctx
  // pino's own destination, so request lines and other log lines stay in order in one stream.
  const destination = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!
  // Request lines of one event-loop turn go out in one write: under load that is one write for
  // many requests, and at rest a line still leaves within the turn.
  let pendingLines = ''
  const writePendingLines = () => {
    const lines = pendingLines
    pendingLines = ''
    destination.write(lines)
  }
  const plugin = new Elysia({ name: 'kiosk/request' })
    .onRequest(({ request, set }) => {
      const state = beginRequest(request)
      Object.assign(set.headers, SECURITY_HEADERS)
      set.headers['x-request-id'] = state.requestId

      checkRequestHead(request)
      const isImageUpload = request.method === 'PUT' && IMAGE_UPLOAD.test(pathOf(request.url))
      // A declared length over the limit is refused before anything is read; bodies without one are
      // counted while they stream (src/http/body.ts, the image upload's reader).
      checkDeclaredLength(request, isImageUpload ? config.IMAGE_MAX_BYTES + MULTIPART_SLACK : config.BODY_LIMIT)
    })
    .onAfterHandle({ as: 'global' }, ({ request, set }) => {
      set.headers['server-timing'] = serverTiming(request)
    })
    .mapResponse({ as: 'global' }, ({ responseValue, set }) => {
      // A handler that built its own Response (cached reads do) gets the request's headers set on it
      // in place: with set.headers left non-empty Elysia would copy the Response and its headers,
      // which costs more than the rest of a cache hit. Headers the Response already has win, as in
      // Elysia's own merge; anything unusual (cookies, immutable headers) keeps Elysia's merge.
      if (!(responseValue instanceof Response) || set.cookie || 'set-cookie' in set.headers) return
      const target = responseValue.headers
      try {
        for (const name in set.headers) if (!target.has(name)) target.set(name, String(set.headers[name]))
      } catch {
        return
      }
      set.headers = {}
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const state = requestState(request)
      const durationMs = performance.now() - state.startedAt
      const status = statusOf(responseValue, set.status)
      const template = route || 'unmatched'
      metrics.httpRequests.inc({ method: request.method, route: template, status })
      metrics.httpDuration.observe({ method: request.method, route: template }, durationMs / 1000)
      if (!logger.isLevelEnabled('info')) return
      const entry = { requestId: state.requestId, method: request.method, route: template, path: pathOf(request.url), status, durationMs, userId: state.userId }
      // Wall time on purpose (not ctx.clock): a log line's time is when it was written.
      if (!pendingLines) setImmediate(writePendingLines)
      pendingLines += accessLine(entry, new Date())
    })
  // CORS only for the configured origins; with none configured no CORS header is ever sent.
  return config.CORS_ORIGINS.length
    ? plugin.use(
        cors({
          origin: config.CORS_ORIGINS,
          credentials: false,
          exposeHeaders: ['X-Request-Id', 'Location', 'ETag', 'Retry-After', 'Idempotent-Replayed'],
        }),
      )
    : plugin
}
