import { Elysia, t } from 'elysia'
import { checkReadiness } from './service.ts'
import type { HealthStore } from './store.ts'

const Status = t.Object({ status: t.Literal('ok') }, { description: 'The process is running' })
const Readiness = t.Object(
  {
    status: t.Union([t.Literal('ok'), t.Literal('unavailable')]),
    checks: t.Object({
      database: t.Union([t.Literal('ok'), t.Literal('unavailable')]),
      migrations: t.Union([t.Literal('ok'), t.Literal('pending'), t.Literal('unknown')]),
    }),
  },
  { description: 'Readiness and the checks behind it' },
)

export const healthModule = (services: { healthStore: HealthStore }) =>
  new Elysia({ prefix: '/health', tags: ['Operations'] })
    .get('/live', () => ({ status: 'ok' as const }), {
      response: { 200: Status },
      detail: { summary: 'Liveness: 200 while the process runs' },
    })
    .get(
      '/ready',
      async ({ status }) => {
        const readiness = await checkReadiness(services.healthStore)
        return readiness.status === 'ok' ? readiness : status(503, readiness)
      },
      {
        response: {
          200: Readiness,
          503: t.Object(Readiness.properties, { description: 'The database does not answer or is not migrated' }),
        },
        detail: { summary: 'Readiness: 200 when the database answers and is migrated, else 503' },
      },
    )
