import { Elysia } from 'elysia'
import type { AppContext } from './context.ts'
import { authPlugin, createAuthenticator } from './http/auth.ts'
import { docsPlugin } from './http/docs.ts'
import { metricsPlugin } from './http/metrics.ts'
import { problemPlugin } from './http/problem.ts'
import { requestPlugin } from './http/request.ts'
import { authModule, OAUTH_ROUTES } from './modules/auth/index.ts'
import { malformedTokenRequest } from './modules/auth/tokens.ts'
import { catalogModule } from './modules/catalog/index.ts'
import { healthModule } from './modules/health/index.ts'
import { ordersModule } from './modules/orders/index.ts'
import { usersModule } from './modules/users/index.ts'
import { reportsModule } from './modules/reports/index.ts'
import { webhooksModule } from './modules/webhooks/index.ts'
import { createServices, type Services } from './services.ts'

/**
 * Builds the Kiosk app from an explicit context. It never listens and opens nothing: the entry
 * point (src/main.ts) serves it, tests call `app.handle()` or an Eden treaty client on it.
 */
export function createApp(ctx: AppContext, services: Services = createServices(ctx)) {
  const auth = authPlugin(createAuthenticator(services.stores.users, ctx))
  const app = new Elysia({ normalize: true })
    .use(problemPlugin(ctx.logger, { protocolRoutes: OAUTH_ROUTES, malformed: malformedTokenRequest }))
    .use(requestPlugin(ctx))
    .use(healthModule(services))
    .use(metricsPlugin(ctx))
    .use(authModule(services))
    .use(usersModule(services, auth))
    .use(catalogModule(services, auth))
    .use(ordersModule(services, auth))
    .use(reportsModule(services, auth))
    .use(webhooksModule(services, auth))
  return app.use(docsPlugin(() => app, { metricsToken: Boolean(ctx.config.METRICS_TOKEN) }))
}

export type App = ReturnType<typeof createApp>
