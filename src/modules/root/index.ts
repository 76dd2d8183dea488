import { Elysia, t } from 'elysia'
import { version } from '../../../package.json'

const Index = t.Object(
  {
    name: t.Literal('kiosk'),
    version: t.String({ description: 'The running version' }),
    links: t.Object(
      {
        docs: t.Literal('/docs', { description: 'The API reference page' }),
        openapi: t.Literal('/docs/json', { description: 'The OpenAPI document' }),
        health: t.Literal('/health/ready', { description: 'Readiness' }),
        dashboard: t.Literal('/dashboard', { description: 'The admin dashboard' }),
      },
      { additionalProperties: false },
    ),
  },
  { title: 'Index', additionalProperties: false, description: 'What this server is, and where to go next' },
)

const INDEX = {
  name: 'kiosk' as const,
  version,
  links: { docs: '/docs' as const, openapi: '/docs/json' as const, health: '/health/ready' as const, dashboard: '/dashboard' as const },
}

/** GET /: a small JSON index, so the bare URL a start-up line prints answers something useful. */
export const rootModule = () =>
  new Elysia({ tags: ['Operations'] }).get('/', () => ({ ...INDEX, links: { ...INDEX.links } }), {
    response: { 200: Index },
    detail: { summary: 'Index: name, version and links to the docs, the OpenAPI document, readiness and the dashboard' },
  })
