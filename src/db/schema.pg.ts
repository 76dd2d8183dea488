import { sql } from 'drizzle-orm'
import { bigint, bigserial, boolean, check, customType, index, integer, pgTable, primaryKey, uniqueIndex } from 'drizzle-orm/pg-core'
import { SEARCH_TEXT_SQL } from './pg/search-text.ts'
import { accountTokenPurposes, deliveryStatuses, emailStatuses, eventTypes, orderStatuses, roles } from './schema.ts'

/*
 * The PostgreSQL twin of schema.ts: the same tables, columns and index names (test/db/schema-parity.test.ts
 * compares them), so a store's SQL and every row it returns mean the same on both dialects.
 * What differs, and why:
 * - Text is `COLLATE "C"`: byte order, as SQLite's BINARY, whatever the database's default collation,
 *   so ISO 8601 timestamps and UUIDv7 ids sort as time and keyset cursors compare exactly as on SQLite.
 * - Booleans are `boolean`; epoch-millisecond counters are `bigint`.
 * - Case-insensitive name order is `lower(name COLLATE "C")`: ASCII-only folding, as SQLite's NOCASE.
 * - Search is a generated `tsvector` column with a GIN index (SQLite: the products_fts virtual table),
 *   and one of the name alone (SQLite: products_name_fts); `seq` is the order of insertion (SQLite: the rowid).
 * - Images and report snapshots live in `files`, so every replica sees them (SQLite: files under DATA_DIR).
 * - Cache invalidation is LISTEN/NOTIFY from triggers (SQLite: the cache_changes table).
 */

/** text COLLATE "C" (see above). */
const text = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE "C"' })

/* Daily rollups of the orders for the summary report (see schema.ts); sums are bigint. */

export const orderDayTotals = pgTable(
  'order_day_totals',
  {
    day: text('day').notNull(),
    status: text('status').notNull(),
    slot: integer('slot').notNull(),
    orders: integer('orders').notNull(),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.status, t.slot] })],
)

export const productDaySales = pgTable(
  'product_day_sales',
  {
    day: text('day').notNull(),
    productId: text('product_id').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull(),
    revenueCents: bigint('revenue_cents', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.productId] })],
)

export const productMonthSales = pgTable(
  'product_month_sales',
  {
    month: text('month').notNull(),
    productId: text('product_id').notNull(),
    quantity: bigint('quantity', { mode: 'number' }).notNull(),
    revenueCents: bigint('revenue_cents', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.month, t.productId] })],
)

/** The products search document. */
const tsvector = customType<{ data: string; driverData: string }>({ dataType: () => 'tsvector' })
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' })
const epochMs = (name: string) => bigint(name, { mode: 'number' })

const timestamps = {
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}

const inList = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '))

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role').notNull().default('user'),
    active: boolean('active').notNull().default(true),
    tokenVersion: integer('token_version').notNull().default(0),
    emailVerifiedAt: text('email_verified_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    index('users_created_id_idx').on(t.createdAt, t.id),
    // The summary's customers part: counted from the index alone.
    index('users_role_created_idx').on(t.role, t.createdAt),
    check('users_role_check', sql`${t.role} in (${inList(roles)})`),
  ],
)

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: text('family_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    rotatedAt: text('rotated_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_unique').on(t.tokenHash),
    index('refresh_tokens_family_idx').on(t.familyId),
    index('refresh_tokens_user_idx').on(t.userId),
  ],
)

export const products = pgTable(
  'products',
  {
    id: text('id').primaryKey(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    category: text('category'),
    priceCents: integer('price_cents').notNull(),
    stock: integer('stock').notNull().default(0),
    active: boolean('active').notNull().default(true),
    imageKey: text('image_key'),
    imageType: text('image_type'),
    ...timestamps,
    /**
     * Search document: the 'simple' configuration (no stemming, as SQLite's unicode61), of the text
     * unaccented and split at punctuation as unicode61 does (SEARCH_TEXT_SQL), kept by PostgreSQL itself.
     */
    search: tsvector('search')
      .notNull()
      .generatedAlwaysAs(sql.raw(`to_tsvector('simple'::regconfig, ${SEARCH_TEXT_SQL(`"name" || ' ' || "description" || ' ' || "sku"`)})`)),
    /** The name alone, as in search: a search's first tier is the products whose name holds every word (SQLite: products_name_fts). */
    nameSearch: tsvector('name_search')
      .notNull()
      .generatedAlwaysAs(sql.raw(`to_tsvector('simple'::regconfig, ${SEARCH_TEXT_SQL(`"name"`)})`)),
    /** Order of insertion, newest highest: a search's order within a tier (SQLite: the products rowid, which the FTS5 tables walk). */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedByDefaultAsIdentity(),
  },
  (t) => [
    uniqueIndex('products_sku_unique').on(t.sku),
    index('products_created_id_idx').on(t.createdAt, t.id),
    index('products_price_id_idx').on(t.priceCents, t.id),
    index('products_name_nocase_id_idx').on(sql`lower(${t.name} COLLATE "C")`, t.id),
    index('products_category_created_idx').on(t.category, t.createdAt, t.id),
    index('products_category_price_idx').on(t.category, t.priceCents, t.id),
    index('products_category_name_idx').on(t.category, sql`lower(${t.name} COLLATE "C")`, t.id),
    index('products_search_idx').using('gin', t.search),
    index('products_name_search_idx').using('gin', t.nameSearch),
    index('products_seq_idx').on(t.seq),
    check('products_price_check', sql`${t.priceCents} between 0 and 1000000000`),
    check('products_stock_check', sql`${t.stock} >= 0`),
  ],
)

export const orders = pgTable(
  'orders',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    status: text('status').notNull().default('pending'),
    totalCents: integer('total_cents').notNull(),
    currency: text('currency').notNull(),
    note: text('note'),
    ...timestamps,
  },
  (t) => [
    index('orders_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('orders_created_idx').on(t.createdAt, t.id),
    // With id: a status page's ties come in key order, with no sort step.
    index('orders_status_created_idx').on(t.status, t.createdAt, t.id),
    check('orders_status_check', sql`${t.status} in (${inList(orderStatuses)})`),
    check('orders_total_check', sql`${t.totalCents} >= 0`),
  ],
)

export const orderItems = pgTable(
  'order_items',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    productId: text('product_id')
      .notNull()
      .references(() => products.id),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    quantity: integer('quantity').notNull(),
    lineTotalCents: integer('line_total_cents').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.position] }),
    index('order_items_product_idx').on(t.productId),
    check('order_items_quantity_check', sql`${t.quantity} > 0`),
  ],
)

export const orderEvents = pgTable(
  'order_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    at: text('at').notNull(),
    by: text('by').notNull(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id)],
)

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    responseBody: text('response_body').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
)

export const outbox = pgTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    payload: text('payload').notNull(),
    createdAt: text('created_at').notNull(),
    dispatchedAt: text('dispatched_at'),
  },
  (t) => [
    index('outbox_undispatched_idx').on(t.dispatchedAt, t.createdAt),
    check('outbox_type_check', sql`${t.type} in (${inList(eventTypes)})`),
  ],
)

export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').notNull(),
  secret: text('secret').notNull(),
  active: boolean('active').notNull().default(true),
  ...timestamps,
})

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => outbox.id),
    eventType: text('event_type').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at'),
    leaseUntil: text('lease_until'),
    deliveredAt: text('delivered_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_unique').on(t.webhookId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt, t.id),
    check('webhook_deliveries_status_check', sql`${t.status} in (${inList(deliveryStatuses)})`),
  ],
)

export const accountTokens = pgTable(
  'account_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    usedAt: text('used_at'),
  },
  (t) => [
    uniqueIndex('account_tokens_hash_unique').on(t.tokenHash),
    index('account_tokens_user_purpose_idx').on(t.userId, t.purpose),
    check('account_tokens_purpose_check', sql`${t.purpose} in (${inList(accountTokenPurposes)})`),
  ],
)

export const emails = pgTable(
  'emails',
  {
    id: text('id').primaryKey(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    template: text('template').notNull(),
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at'),
    leaseUntil: text('lease_until'),
    createdAt: text('created_at').notNull(),
    sentAt: text('sent_at'),
  },
  (t) => [
    index('emails_due_idx').on(t.status, t.nextAttemptAt),
    index('emails_created_id_idx').on(t.createdAt, t.id),
    check('emails_status_check', sql`${t.status} in (${inList(emailStatuses)})`),
  ],
)

export const rateLimitEvents = pgTable(
  'rate_limit_events',
  {
    name: text('name').notNull(),
    key: text('key').notNull(),
    at: epochMs('at').notNull(),
    expiresAt: epochMs('expires_at').notNull(),
  },
  (t) => [index('rate_limit_events_key_idx').on(t.name, t.key, t.at), index('rate_limit_events_expiry_idx').on(t.expiresAt)],
)

export const recentPairs = pgTable(
  'recent_pairs',
  {
    name: text('name').notNull(),
    key: text('key').notNull(),
    at: epochMs('at').notNull(),
    expiresAt: epochMs('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.key] }), index('recent_pairs_expiry_idx').on(t.expiresAt)],
)

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: epochMs('expires_at').notNull(),
})

export const jobTicks = pgTable(
  'job_ticks',
  {
    job: text('job').notNull(),
    tick: text('tick').notNull(),
    holder: text('holder').notNull(),
    at: epochMs('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.tick] }), index('job_ticks_at_idx').on(t.at)],
)

/** PostgreSQL only: product images and report snapshots, by key ("images/…", "reports/…"). */
export const files = pgTable(
  'files',
  {
    key: text('key').primaryKey(),
    contentType: text('content_type').notNull(),
    content: bytea('content').notNull(),
    size: integer('size').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('files_created_idx').on(t.createdAt)],
)
