import type { PostgresDatabase } from './db/database.ts'
import { createPgCacheChangeLog } from './db/pg/cache-changes.ts'
import { createPgFileStore } from './db/pg/files.ts'
import { createPgLeaseStore } from './db/pg/leases.ts'
import { createPgLimitStore } from './db/pg/rate-limits.ts'
import { createRedisCacheChangeLog } from './db/redis/cache-changes.ts'
import { createRedisLimitStore } from './db/redis/rate-limits.ts'
import type { Clock } from './lib/clock.ts'
import { createPgRecoveryStore } from './modules/auth/recovery-store.pg.ts'
import { createPgCatalogStore } from './modules/catalog/store/pg.ts'
import { createPgEmailStore } from './modules/email/store.pg.ts'
import { createPgHealthStore } from './modules/health/store.pg.ts'
import { createPgOrderStore } from './modules/orders/store/pg.ts'
import { createPgReportsStore } from './modules/reports/store.pg.ts'
import { createPgUserStore } from './modules/users/store.pg.ts'
import { createPgWebhookStore } from './modules/webhooks/store.pg.ts'
import type { Stores } from './stores.ts'

/**
 * Every store on PostgreSQL: the twin of createSqliteStores (src/stores.ts), on one pool. With
 * REDIS_URL, rate limits and cache coherence go through Redis instead (and readiness checks it):
 * while it is away those requests answer 503, never falling back to the database unannounced.
 */
export function createPostgresStores({ sql, redis }: PostgresDatabase, clock: Clock): Stores {
  const email = createPgEmailStore(sql)
  const health = createPgHealthStore(sql)
  return {
    catalog: createPgCatalogStore(sql),
    users: createPgUserStore(sql),
    orders: createPgOrderStore(sql, clock),
    reports: createPgReportsStore(sql),
    webhooks: createPgWebhookStore(sql),
    health: redis ? { ...health, coordinator: { ping: () => redis.ping() } } : health,
    email,
    recovery: createPgRecoveryStore(sql, email),
    limits: redis ? createRedisLimitStore(redis) : createPgLimitStore(sql),
    leases: createPgLeaseStore(sql),
    cacheChanges: redis ? createRedisCacheChangeLog(redis) : createPgCacheChangeLog(sql),
    files: createPgFileStore(sql, clock),
  }
}
