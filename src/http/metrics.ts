import { Elysia, t } from 'elysia'
import type { AppContext } from '../context.ts'
import { UnauthorizedError } from '../lib/errors.ts'
import { EXPOSITION_CONTENT_TYPE } from '../lib/metrics.ts'
import { problemResponses } from './problem.ts'

/** Constant-time comparison, so the metrics token can't be guessed a byte at a time. */
const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && crypto.timingSafeEqual(a, b)
}

/** GET /metrics: Prometheus text, behind METRICS_TOKEN when it is set. */
export const metricsPlugin = (ctx: AppContext) =>
  new Elysia({ name: 'kiosk/metrics' }).get(
    '/metrics',
    async ({ request, set }) => {
      const token = ctx.config.METRICS_TOKEN
      if (token) {
        const given = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? ''
        if (!sameSecret(given, token)) throw new UnauthorizedError('The metrics token is missing or wrong.')
      }
      set.headers['content-type'] = EXPOSITION_CONTENT_TYPE
      return ctx.metrics.exposition()
    },
    {
      response: { 200: t.String({ description: 'Prometheus text exposition format' }), ...problemResponses(401) },
      detail: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description: 'Requests by method, route template and status; latency histogram; cache, job, webhook and email counters; process figures. The runtime figures start at the first scrape (the event-loop delay statistics cover the time since the previous scrape); process CPU time counts from the start. Requires `Authorization: Bearer $METRICS_TOKEN` when that setting is present.',
        security: [{ metricsToken: [] }, {}],
      },
    },
  )
