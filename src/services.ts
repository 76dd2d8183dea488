import type { AppContext } from './context.ts'
import { createAuthLimiters } from './modules/auth/limits.ts'
import { createAuthService } from './modules/auth/service.ts'
import { createTokenService } from './modules/auth/tokens.ts'
import { createProductImages } from './modules/catalog/images.ts'
import { createCatalog } from './modules/catalog/service.ts'
import { createCatalogStore } from './modules/catalog/store/index.ts'
import { createOrderService } from './modules/orders/service.ts'
import { createOrderStore } from './modules/orders/store/index.ts'
import { createReportsService } from './modules/reports/service.ts'
import { createReportsStore } from './modules/reports/store.ts'
import { createHealthStore } from './modules/health/store.ts'
import { createWebhookService, type WebhookServiceOptions } from './modules/webhooks/service.ts'
import { createWebhookStore } from './modules/webhooks/store.ts'
import { createWebhookWorker, type WebhookWorkerOptions } from './jobs/webhook-worker.ts'
import { createUserService } from './modules/users/service.ts'
import { createUserStore } from './modules/users/store.ts'

/**
 * Every store and service of a running Kiosk, built once from the context. createApp's modules,
 * the scheduler's jobs, the webhook worker and the CLI commands all use these same objects.
 * Services reach the database only through their module's store.
 */
export interface ServiceOptions {
  webhooks?: WebhookServiceOptions
  webhookWorker?: WebhookWorkerOptions
}

export function createServices(ctx: AppContext, options: ServiceOptions = {}) {
  const catalogStore = createCatalogStore(ctx.sqlite)
  const catalog = createCatalog(catalogStore, ctx)
  const images = createProductImages(ctx, catalog)

  const userStore = createUserStore(ctx.sqlite, ctx.db)
  // One set of login and sign-up limits per process, shared by the token endpoint and password changes.
  const limiters = createAuthLimiters(ctx.config)
  const users = createUserService(userStore, ctx, limiters)
  const tokens = createTokenService(userStore, ctx)
  const authService = createAuthService(ctx, users, tokens, limiters)

  const orders = createOrderService(createOrderStore(ctx.sqlite, ctx.clock), ctx)
  const reports = createReportsService(createReportsStore(ctx.sqlite), ctx)
  const webhookStore = createWebhookStore(ctx.sqlite)
  const webhooks = createWebhookService(webhookStore, ctx, options.webhooks)
  // Built here, started only by `kiosk serve` (tests drive it with runOnce()).
  const webhookWorker = createWebhookWorker(webhookStore, ctx, options.webhookWorker)

  return {
    trustProxy: ctx.config.TRUST_PROXY,
    maxImageBytes: ctx.config.IMAGE_MAX_BYTES,
    catalog,
    images,
    userStore,
    limiters,
    users,
    tokens,
    authService,
    orders,
    reports,
    webhookStore,
    webhooks,
    webhookWorker,
    healthStore: createHealthStore(ctx.sqlite),
  }
}

export type Services = ReturnType<typeof createServices>
