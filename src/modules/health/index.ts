import { Elysia, t } from 'elysia'
import { checkReadiness } from './service.ts'
import type { HealthStore } from './store.ts'

const Status = t.Object({ status: t.Literal('ok') }, { description: 'The process is running' })
const Check = t.Union([t.Literal('ok'), t.Literal('unavailable')])
const Readiness = t.Object(
  {
    status: Check,
    checks: t.Object(
      {
        database: Check,
        migrations: t.Union([t.Literal('ok'), t.Literal('pending'), t.Literal('unknown')]),
        redis: t.Optional(Check),
      },
      { description: '`redis` only with REDIS_URL: whether Redis answers PING (within 2 s, as the database)' },
    ),
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
          503: t.Object(Readiness.properties, { description: 'The database (or Redis, with REDIS_URL) does not answer, or the database is not migrated' }),
        },
        detail: { summary: 'Readiness: 200 when the database answers and is migrated (and Redis answers, with REDIS_URL), else 503' },
      },
    )
