import type { AppContext } from './context.ts'
import { createWebhookWorker, type WebhookWorkerOptions } from './jobs/webhook-worker.ts'
import { createEmailWorker, type EmailWorkerOptions } from './jobs/email-worker.ts'
import { createAuthLimiters } from './modules/auth/limits.ts'
import { createRecoveryLimiters } from './modules/auth/recovery-limits.ts'
import { createRecoveryService } from './modules/auth/recovery.ts'
import { createAuthService } from './modules/auth/service.ts'
import { createTokenService } from './modules/auth/tokens.ts'
import { createProductImages } from './modules/catalog/images.ts'
import { createCatalog } from './modules/catalog/service.ts'
import { createEmailService } from './modules/email/service.ts'
import { createOrderService } from './modules/orders/service.ts'
import { createReportsService } from './modules/reports/service.ts'
import { createUserService } from './modules/users/service.ts'
import { createWebhookService, type WebhookServiceOptions } from './modules/webhooks/service.ts'
import { createStores } from './stores.ts'

export interface ServiceOptions {
  webhooks?: WebhookServiceOptions
  webhookWorker?: WebhookWorkerOptions
  emailWorker?: EmailWorkerOptions
}

/**
 * Every store and service of a running Kiosk, built once from the context. createApp's modules,
 * the scheduler's jobs, the webhook worker and `kiosk serve` all use these same objects.
 * Services and jobs reach the database only through their module's store.
 */
export function createServices(ctx: AppContext, options: ServiceOptions = {}) {
  const stores = createStores(ctx)

  const catalog = createCatalog(stores.catalog, ctx)
  const images = createProductImages(ctx, catalog, stores.files)

  // Login and sign-up limits, shared by the token endpoint and password changes (and, in the database, by every process).
  const limiters = createAuthLimiters(stores.limits, ctx.config, ctx.logger)
  const users = createUserService(stores.users, ctx, limiters)
  const tokens = createTokenService(stores.users, ctx)
  const mail = createEmailService(stores.email, ctx)
  const recovery = createRecoveryService(stores.recovery, ctx, mail, createRecoveryLimiters(stores.limits), limiters)
  const authService = createAuthService(ctx, users, tokens, limiters, recovery)

  const orders = createOrderService(stores.orders, ctx)
  const reports = createReportsService(stores.reports, ctx, stores.files)

  const webhooks = createWebhookService(stores.webhooks, ctx, options.webhooks)
  // Built here, started only by `kiosk serve` (tests drive it with runOnce()).
  const webhookWorker = createWebhookWorker(stores.webhooks, ctx, options.webhookWorker)
  const emailWorker = createEmailWorker(stores.email, ctx, options.emailWorker)

  // Other processes' writes (worker mode, kiosk create-admin) drop this process's stale cache entries.
  const coherence = stores.cacheChanges.follow(ctx.cache)

  return {
    stores,
    coherence,
    trustProxy: ctx.config.TRUST_PROXY,
    smtpConfigured: ctx.config.SMTP_URL !== undefined,
    maxImageBytes: ctx.config.IMAGE_MAX_BYTES,
    catalog,
    images,
    limiters,
    users,
    tokens,
    authService,
    mail,
    recovery,
    orders,
    reports,
    webhooks,
    webhookWorker,
    emailWorker,
    healthStore: stores.health,
  }
}

export type Services = ReturnType<typeof createServices>
