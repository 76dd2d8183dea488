import { cors } from '@elysiajs/cors'
import { Elysia } from 'elysia'
import pino from 'pino'
import type { AppContext } from '../context.ts'
import { checkDeclaredLength } from './body-limit.ts'
import { checkRequestHead } from './head-limits.ts'
import { createAccessLog } from '../lib/access-log.ts'
import { beginRequest, FINISH_REQUEST, requestState, serverTimingOf, type FinishRequest, type RequestState } from './request-state.ts'
import { addSecurityHeaderFields, addSecurityHeaders, isPrebuiltResponse } from './response-headers.ts'


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

/** Sets the request's own headers (id, security set, Server-Timing) on the answer. */
function addRequestHeaders(state: RequestState, responseValue: unknown, set: { headers: Record<string, unknown>; cookie?: unknown }) {
  // A handler-built Response gets the request's headers set on it in place, only those it lacks
  // (headers it has win, as in Elysia's own merge). Anything unusual (cookies, immutable
  // headers) goes through set.headers and Elysia's merge instead.
  if (responseValue instanceof Response && !set.cookie && !('set-cookie' in set.headers)) {
    const target = responseValue.headers
    try {
      let fields = 0
      for (const name in set.headers) {
        fields++
        if (!target.has(name)) target.set(name, String(set.headers[name]))
      }
      if (fields) set.headers = {}
      else if (isPrebuiltResponse(responseValue)) {
        // It has the static set and neither of these (response-headers.ts): no lookups needed.
        target.set('x-request-id', state.requestId)
        target.set('server-timing', serverTimingOf(state))
        return
      }
      addSecurityHeaders(target)
      if (!target.has('x-request-id')) target.set('x-request-id', state.requestId)
      if (!target.has('server-timing')) target.set('server-timing', serverTimingOf(state))
      return
    } catch {
      // immutable headers: fall through to set.headers
    }
  }
  const fields = set.headers
  addSecurityHeaderFields(fields)
  if (!('x-request-id' in fields)) fields['x-request-id'] = state.requestId
  fields['server-timing'] = serverTimingOf(state)
}

/**
 * Request context: request id, security headers, the body-size gate, Server-Timing, one log
 * line and the HTTP metrics per request, in two hooks. Kept allocation-light: it runs on every
 * request. The request's headers never go through `set.headers` when a handler built its own
 * Response (cached reads do): with `set.headers` non-empty Elysia copies the Response and its
 * headers, which cost more than the rest of a cache hit.
 *
 * The request is counted and logged when its answer is mapped, not in an onAfterResponse hook: with
 * one, Elysia schedules a setImmediate and an async closure for every request (~0.7 µs of the
 * cached read, bench/profile.ts). Its duration is then the handler's time, as Server-Timing's
 * `total` is. Answers given outside any route are finished by the problem plugin (FINISH_REQUEST).
 */
export function requestPlugin(ctx: AppContext) {
  const { config, logger, metrics } = ctx
  // pino's own destination, so request lines and other log lines stay in order in one stream.
  const accessLog = createAccessLog((logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym]!)
  const finish = (request: Request, state: RequestState, route: string, status: number) => {
    if (state.finished) return
    state.finished = true
    const durationMs = performance.now() - state.startedAt
    const method = request.method
    metrics.httpRequests.inc({ method, route, status })
    metrics.httpDuration.observe({ method, route }, durationMs / 1000)
    if (logger.isLevelEnabled('info')) accessLog.write(state.requestId, method, route, pathOf(request.url), status, durationMs, state.userId)
  }
  const finishRequest: FinishRequest = (request, route, status) => finish(request, requestState(request), route, status)
  const plugin = new Elysia({ name: 'kiosk/request' })
    .state(FINISH_REQUEST, finishRequest)
    .onRequest(({ request }) => {
      beginRequest(request)
      checkRequestHead(request)
      const isImageUpload = request.method === 'PUT' && IMAGE_UPLOAD.test(pathOf(request.url))
      // A declared length over the limit is refused before anything is read; bodies without one are
      // counted while they stream (src/http/body.ts, the image upload's reader).
      checkDeclaredLength(request, isImageUpload ? config.IMAGE_MAX_BYTES + MULTIPART_SLACK : config.BODY_LIMIT)
    })
    .mapResponse({ as: 'global' }, ({ request, route, responseValue, set }) => {
      const state = requestState(request)
      addRequestHeaders(state, responseValue, set as { headers: Record<string, unknown>; cookie?: unknown })
      finish(request, state, route || 'unmatched', statusOf(responseValue, set.status))
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
