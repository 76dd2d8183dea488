import { Elysia } from 'elysia'
import type { AppContext } from './context.ts'
import { authPlugin, createAuthenticator } from './http/auth.ts'
import { authGate } from './http/auth-gate.ts'
import { bodyPlugin } from './http/body.ts'
import { coherencePlugin } from './http/coherence.ts'
import { dashboardPlugin } from './http/dashboard.ts'
import { docsPlugin } from './http/docs.ts'
import { metricsPlugin } from './http/metrics.ts'
import { problemPlugin } from './http/problem.ts'
import { requestPlugin } from './http/request.ts'
import { authModule, OAUTH_ROUTES } from './modules/auth/index.ts'
import { recoveryRoutes } from './modules/auth/recovery-routes.ts'
import { malformedTokenRequest } from './modules/auth/tokens.ts'
import { catalogModule } from './modules/catalog/index.ts'
import { emailModule } from './modules/email/index.ts'
import { healthModule } from './modules/health/index.ts'
import { rootModule } from './modules/root/index.ts'
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
  const authenticator = createAuthenticator(services.stores.users, ctx)
  const auth = authPlugin(authenticator)
  // The finished app's route table, for the body reader's auth gate, bound once the app exists (a
  // closure over `app` inside its own initializer would make its type circular: measured with tsc).
  let routes = (): { method: string; path: string; hooks: object }[] => []
  const app = new Elysia({ normalize: true })
    .use(problemPlugin(ctx.logger, { protocolRoutes: OAUTH_ROUTES, malformed: malformedTokenRequest }))
    .use(coherencePlugin(services.coherence))
    .use(requestPlugin(ctx))
    .use(
      bodyPlugin({
        limit: ctx.config.BODY_LIMIT,
        formRoutes: OAUTH_ROUTES,
        ownReaders: ['PUT /products/:id/image'],
        gate: authGate(authenticator, () => routes()),
      }),
    )
    .use(rootModule())
    .use(healthModule(services))
    .use(metricsPlugin(ctx))
    .use(authModule(services))
    .use(recoveryRoutes(services, auth))
    .use(usersModule(services, auth))
    .use(catalogModule(services, auth))
    .use(ordersModule(services, auth))
    .use(reportsModule(services, auth))
    .use(webhooksModule(services, auth))
    .use(emailModule(services, auth))
    .use(dashboardPlugin())
  routes = () => app.routes
  return app.use(docsPlugin(() => app, { metricsToken: Boolean(ctx.config.METRICS_TOKEN) }))
}

export type App = ReturnType<typeof createApp>
