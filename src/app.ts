import { Elysia } from 'elysia'
import type { AppContext } from './context.ts'
import { authPlugin, createAuthenticator } from './http/auth.ts'
import { docsPlugin } from './http/docs.ts'
import { metricsPlugin } from './http/metrics.ts'
import { problemPlugin } from './http/problem.ts'
import { requestPlugin } from './http/request.ts'
import { healthModule } from './modules/health/index.ts'
import { webhooksModule } from './modules/webhooks/index.ts'

/**
 * Builds the Kiosk app from an explicit context. It never listens and opens nothing: the entry
 * point (src/main.ts) serves it, tests call `app.handle()` or an Eden treaty client on it.
 */
export function createApp(ctx: AppContext) {
  const authenticator = createAuthenticator(ctx)
  const auth = authPlugin(authenticator)
  const app = new Elysia({ normalize: true })
    .use(problemPlugin(ctx.logger))
    .use(requestPlugin(ctx))
    .use(healthModule(ctx))
    .use(metricsPlugin(ctx))
    .use(webhooksModule(ctx, auth))
  // Feature modules are mounted here; each receives the context and the auth guard `auth`.
  return app.use(docsPlugin(() => app))
}

export type App = ReturnType<typeof createApp>
