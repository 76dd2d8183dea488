import type { AppContext } from './context.ts'
import { createRecoveryStore } from './modules/auth/recovery-store.ts'
import { createCatalogStore } from './modules/catalog/store/index.ts'
import { createEmailStore } from './modules/email/store.ts'
import { createHealthStore } from './modules/health/store.ts'
import { createOrderStore } from './modules/orders/store/index.ts'
import { createReportsStore } from './modules/reports/store.ts'
import { createUserStore } from './modules/users/store.ts'
import { createWebhookStore } from './modules/webhooks/store.ts'

/**
 * Every module's store on the context's connection: the one place outside src/db/ that hands the
 * database to anything. A second dialect is a second version of this function.
 */
export function createStores(ctx: Pick<AppContext, 'sqlite' | 'db' | 'clock'>) {
  const { sqlite, db, clock } = ctx
  const email = createEmailStore(sqlite)
  return {
    catalog: createCatalogStore(sqlite),
    users: createUserStore(sqlite, db),
    orders: createOrderStore(sqlite, clock),
    reports: createReportsStore(sqlite),
    webhooks: createWebhookStore(sqlite),
    health: createHealthStore(sqlite),
    email,
    recovery: createRecoveryStore(sqlite, email),
  }
}

export type Stores = ReturnType<typeof createStores>
