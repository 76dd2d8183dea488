import { resolve } from 'node:path'
import type { AppContext } from './context.ts'
import { createSqliteCacheChangeLog } from './db/cache-changes.ts'
import type { SqliteHandle } from './db/client.ts'
import { createDiskFileStore, type FileStore } from './db/files.ts'
import { createLeaseStore, type LeaseStore } from './db/leases.ts'
import { createReadBatch } from './db/read-batch.ts'
import { createSqliteLimitStore } from './db/rate-limits.ts'
import type { CacheChangeLog } from './lib/cache-coherence.ts'
import type { Clock } from './lib/clock.ts'
import type { LimitStore } from './lib/rate-limit.ts'
import { createRecoveryStore, type RecoveryStore } from './modules/auth/recovery-store.ts'
import { createCatalogStore, type CatalogStore } from './modules/catalog/store/index.ts'
import { createEmailStore, type EmailStore } from './modules/email/store.ts'
import { createHealthStore, type HealthStore } from './modules/health/store.ts'
import { createOrderStore, type OrderStore } from './modules/orders/store/index.ts'
import { createReportsStore, type ReportsStore } from './modules/reports/store.ts'
import { createUserStore, type UserStore } from './modules/users/store.ts'
import { createWebhookStore, type WebhookStore } from './modules/webhooks/store.ts'
import { postgresStores } from './db/pg/load.ts'

/**
 * Every store of a process, one per module plus the state processes share (limits, leases, the
 * cache-change log): the only place outside src/db/ that hands the database to anything. One
 * interface, two dialects: services and jobs cannot tell SQLite from PostgreSQL.
 */
export interface Stores {
  catalog: CatalogStore
  users: UserStore
  orders: OrderStore
  reports: ReportsStore
  webhooks: WebhookStore
  health: HealthStore
  email: EmailStore
  recovery: RecoveryStore
  limits: LimitStore
  leases: LeaseStore
  cacheChanges: CacheChangeLog
  /** Product images and report snapshots: files under DATA_DIR, or the `files` table on PostgreSQL. */
  files: FileStore
}

export function createStores(ctx: Pick<AppContext, 'database' | 'clock' | 'config'>): Stores {
  const { database, clock, config } = ctx
  return database.dialect === 'postgres' ? postgresStores().createPostgresStores(database, clock) : createSqliteStores(database, clock, config.DATA_DIR)
}

function createSqliteStores(handle: SqliteHandle, clock: Clock, dataDir: string): Stores {
  const { sqlite, db } = handle
  const email = createEmailStore(sqlite)
  // One per connection: every store's batched reads of a turn share its one read transaction.
  const read = createReadBatch(sqlite)
  return {
    catalog: createCatalogStore(sqlite, read),
    users: createUserStore(sqlite, db),
    orders: createOrderStore(sqlite, clock),
    reports: createReportsStore(sqlite),
    webhooks: createWebhookStore(sqlite),
    health: createHealthStore(sqlite),
    email,
    recovery: createRecoveryStore(sqlite, email),
    limits: createSqliteLimitStore(sqlite),
    leases: createLeaseStore(sqlite),
    cacheChanges: createSqliteCacheChangeLog(sqlite, handle.walIndex()),
    files: createDiskFileStore(resolve(dataDir)),
  }
}
