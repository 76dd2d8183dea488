import { cors } from '@elysiajs/cors'
import { Elysia } from 'elysia'
import type { AppContext } from '../context.ts'
import { PayloadTooLargeError } from '../lib/errors.ts'
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

/**
 * Request context: request id, security headers, the body-size gate, Server-Timing, one log
 * line and the HTTP metrics per request. Kept allocation-light: it runs on every request.
 */
export function requestPlugin(ctx: AppContext) {
  const { config, logger, metrics } = ctx
  const plugin = new Elysia({ name: 'kiosk/request' })
    .onRequest(({ request, set }) => {
      const state = beginRequest(request)
      Object.assign(set.headers, SECURITY_HEADERS)
      set.headers['x-request-id'] = state.requestId

      const length = Number(request.headers.get('content-length') ?? 0)
      const isImageUpload = request.method === 'PUT' && IMAGE_UPLOAD.test(new URL(request.url).pathname)
      const limit = isImageUpload ? config.IMAGE_MAX_BYTES + MULTIPART_SLACK : config.BODY_LIMIT
      if (length > limit) throw new PayloadTooLargeError(`The request body is larger than ${limit} bytes.`)
    })
    .onAfterHandle({ as: 'global' }, ({ request, set }) => {
      set.headers['server-timing'] = serverTiming(request)
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const state = requestState(request)
      const durationMs = performance.now() - state.startedAt
      const status = statusOf(responseValue, set.status)
      const template = route || 'unmatched'
      metrics.httpRequests.inc({ method: request.method, route: template, status })
      metrics.httpDuration.observe({ method: request.method, route: template }, durationMs / 1000)
      logger.info(
        {
          request_id: state.requestId,
          method: request.method,
          route: template,
          path: new URL(request.url).pathname,
          status,
          duration_ms: Math.round(durationMs * 100) / 100,
          user_id: state.userId,
        },
        'request',
      )
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
