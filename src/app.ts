import { Elysia } from 'elysia'
import type { AppContext } from './context.ts'
import { authPlugin, createAuthenticator } from './http/auth.ts'
import { authGate } from './http/auth-gate.ts'
import { bodyPlugin } from './http/body.ts'
import { dashboardPlugin } from './http/dashboard.ts'
import { docsPlugin } from './http/docs.ts'
import { metricsPlugin } from './http/metrics.ts'
import { problemPlugin } from './http/problem.ts'
import { requestPlugin } from './http/request.ts'
import { authModule, OAUTH_ROUTES } from './modules/auth/index.ts'
import { createAuthLimiters } from './modules/auth/limits.ts'
import { createTokenService, malformedTokenRequest } from './modules/auth/tokens.ts'
import { createRecoveryLimiters } from './modules/auth/recovery-limits.ts'
import { recoveryRoutes } from './modules/auth/recovery-routes.ts'
import { createRecoveryService } from './modules/auth/recovery.ts'
import { catalogModule } from './modules/catalog/index.ts'
import { emailModule } from './modules/email/index.ts'
import { createEmailService } from './modules/email/service.ts'
import { healthModule } from './modules/health/index.ts'
import { rootModule } from './modules/root/index.ts'
import { ordersModule } from './modules/orders/index.ts'
import { createOrderService } from './modules/orders/service.ts'
import { usersModule } from './modules/users/index.ts'
import { createUserService } from './modules/users/service.ts'
import { reportsModule } from './modules/reports/index.ts'
import { webhooksModule } from './modules/webhooks/index.ts'

/**
 * Builds the Kiosk app from an explicit context. It never listens and opens nothing: the entry
 * point (src/main.ts) serves it, tests call `app.handle()` or an Eden treaty client on it.
 */
export function createApp(ctx: AppContext) {
  const authenticator = createAuthenticator(ctx)
  const auth = authPlugin(authenticator)
  // One set of login and sign-up limits per app, shared by the token endpoint and password changes.
  const limiters = createAuthLimiters(ctx.config, ctx.logger)
  const users = createUserService(ctx, limiters)
  const mail = createEmailService(ctx)
  const recovery = createRecoveryService(ctx, mail, createRecoveryLimiters(), limiters)
  // The finished app's route table, for the body reader's auth gate (bound once the app exists).
  let routes = (): { method: string; path: string; hooks: object }[] => []
  const app = new Elysia({ normalize: true })
    .use(problemPlugin(ctx.logger, { protocolRoutes: OAUTH_ROUTES, malformed: malformedTokenRequest }))
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
    .use(healthModule(ctx))
    .use(metricsPlugin(ctx))
    .use(authModule(ctx, users, createTokenService(ctx), limiters, recovery))
    .use(recoveryRoutes(ctx, auth, recovery))
    .use(usersModule(ctx, auth, users, recovery))
    .use(catalogModule(ctx, auth))
    .use(ordersModule(ctx, auth, createOrderService(ctx), recovery))
    .use(reportsModule(ctx, auth))
    .use(webhooksModule(ctx, auth))
    .use(emailModule(ctx, auth, mail))
    .use(dashboardPlugin())
  routes = () => app.routes
  return app.use(docsPlugin(() => app, { metricsToken: Boolean(ctx.config.METRICS_TOKEN) }))
}

export type App = ReturnType<typeof createApp>
