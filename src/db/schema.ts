import { sql } from 'drizzle-orm'
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/*
 * The whole database, in one file so drizzle-kit sees every table.
 * Conventions that keep the PostgreSQL road open: ids are UUIDv7 text, money is integer
 * minor units, timestamps are ISO 8601 UTC text (fixed width, so text order is time order),
 * booleans are integers through drizzle's `mode: 'boolean'`.
 */

const timestamps = {
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
}

export const roles = ['user', 'admin'] as const
export type Role = (typeof roles)[number]

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: roles }).notNull().default('user'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** Bumped on deactivation, password or role change: access tokens carrying an older value die. */
    tokenVersion: integer('token_version').notNull().default(0),
    /** When the current email was proven by a verification link; null while unverified. */
    emailVerifiedAt: text('email_verified_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    index('users_created_id_idx').on(t.createdAt, t.id),
    // The summary's customers part: counted from the index alone.
    index('users_role_created_idx').on(t.role, t.createdAt),
    check('users_role_check', sql`${t.role} in ('user', 'admin')`),
  ],
)

export const refreshTokens = sqliteTable(
  'refresh_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Every token minted by rotation from one login shares a family; reuse revokes the family. */
    familyId: text('family_id').notNull(),
    /** SHA-256 of the token; the token itself is never stored. */
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

export const products = sqliteTable(
  'products',
  {
    id: text('id').primaryKey(),
    sku: text('sku').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    category: text('category'),
    priceCents: integer('price_cents').notNull(),
    stock: integer('stock').notNull().default(0),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** File name under $DATA_DIR/images, and what its bytes are. */
    imageKey: text('image_key'),
    imageType: text('image_type'),
    ...timestamps,
    /**
     * The category as one token for the full-text indexes (products_fts, products_name_fts): a search
     * in a category walks the matches of both at once there. Hex, so it is never a word, nor two.
     */
    categoryKey: text('category_key').generatedAlwaysAs(sql`'k' || hex(coalesce(category, ''))`, { mode: 'virtual' }),
  },
  (t) => [
    uniqueIndex('products_sku_unique').on(t.sku),
    // One index per list sort, and the same three behind a category prefix, so every sort and
    // filter of GET /products walks an index in order (no temp sort). Names sort case-insensitively.
    index('products_created_id_idx').on(t.createdAt, t.id),
    index('products_price_id_idx').on(t.priceCents, t.id),
    index('products_name_nocase_id_idx').on(sql`${t.name} COLLATE NOCASE`, t.id),
    index('products_category_created_idx').on(t.category, t.createdAt, t.id),
    index('products_category_price_idx').on(t.category, t.priceCents, t.id),
    index('products_category_name_idx').on(t.category, sql`${t.name} COLLATE NOCASE`, t.id),
    check('products_price_check', sql`${t.priceCents} between 0 and 1000000000`),
    check('products_stock_check', sql`${t.stock} >= 0`),
  ],
)

export const orderStatuses = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'] as const
export type OrderStatus = (typeof orderStatuses)[number]

export const orders = sqliteTable(
  'orders',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
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
    check('orders_status_check', sql`${t.status} in ('pending', 'paid', 'shipped', 'delivered', 'cancelled')`),
    check('orders_total_check', sql`${t.totalCents} >= 0`),
  ],
)

/** A snapshot of each line at order time: later catalog edits never change an order. */
export const orderItems = sqliteTable(
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

/** Status history: one row per transition, the first one from null to 'pending'. */
export const orderEvents = sqliteTable(
  'order_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: text('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: orderStatuses }),
    toStatus: text('to_status', { enum: orderStatuses }).notNull(),
    at: text('at').notNull(),
    by: text('by').notNull(),
  },
  (t) => [index('order_events_order_idx').on(t.orderId, t.id)],
)

/*
 * Daily rollups of the orders for the summary report, kept exact by triggers in the same
 * transaction as every write to orders and order_items (the order_rollups migration; any writer:
 * the stores, the demo seeder, plain SQL). A day is the UTC date of created_at, as sales_by_day.
 */

/** Orders and their totals per day and status. `slot` (from the order id's last character) spreads one day's hot row over 8, so concurrent orders on PostgreSQL don't queue on one row lock. */
export const orderDayTotals = sqliteTable(
  'order_day_totals',
  {
    day: text('day').notNull(),
    status: text('status', { enum: orderStatuses }).notNull(),
    slot: integer('slot').notNull(),
    orders: integer('orders').notNull(),
    totalCents: integer('total_cents').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.status, t.slot] })],
)

/** The lines of orders that count as sales (the revenue statuses) per day and product. */
export const productDaySales = sqliteTable(
  'product_day_sales',
  {
    day: text('day').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    revenueCents: integer('revenue_cents').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.productId] })],
)

/** product_day_sales per month (`YYYY-MM`): a year's top products read ~12 rows a product, not ~365. */
export const productMonthSales = sqliteTable(
  'product_month_sales',
  {
    month: text('month').notNull(),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    revenueCents: integer('revenue_cents').notNull(),
  },
  (t) => [primaryKey({ columns: [t.month, t.productId] })],
)

/** The first response to an order request carrying an Idempotency-Key, replayed for repeats. */
export const idempotencyKeys = sqliteTable(
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

export const eventTypes = ['order.created', 'order.status_changed', 'product.low_stock'] as const
export type EventType = (typeof eventTypes)[number]

/** Transactional outbox: written in the transaction of the change, fanned out to webhook deliveries later. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    type: text('type', { enum: eventTypes }).notNull(),
    payload: text('payload').notNull(),
    createdAt: text('created_at').notNull(),
    /** Set once deliveries have been created for every subscribed webhook. */
    dispatchedAt: text('dispatched_at'),
  },
  (t) => [index('outbox_undispatched_idx').on(t.dispatchedAt, t.createdAt)],
)

export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  /** JSON array of event types. */
  events: text('events').notNull(),
  secret: text('secret').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  ...timestamps,
})

export const deliveryStatuses = ['pending', 'delivering', 'delivered', 'failed'] as const
export type DeliveryStatus = (typeof deliveryStatuses)[number]

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => outbox.id),
    eventType: text('event_type', { enum: eventTypes }).notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at'),
    /** A claim by a worker; a claim older than its lease is taken over after a crash. */
    leaseUntil: text('lease_until'),
    deliveredAt: text('delivered_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_event_unique').on(t.webhookId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt, t.id),
  ],
)

export const accountTokenPurposes = ['password_reset', 'verify_email', 'change_email'] as const
export type AccountTokenPurpose = (typeof accountTokenPurposes)[number]

/**
 * One-time tokens mailed to a user (password reset, email verification, email change). Only the
 * SHA-256 of a token is stored; `email` is the address it was sent to (for change_email, the new one).
 */
export const accountTokens = sqliteTable(
  'account_tokens',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: accountTokenPurposes }).notNull(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    expiresAt: text('expires_at').notNull(),
    createdAt: text('created_at').notNull(),
    /** Set when the token is used, or superseded by a newer one: it never works again. */
    usedAt: text('used_at'),
  },
  (t) => [
    uniqueIndex('account_tokens_hash_unique').on(t.tokenHash),
    index('account_tokens_user_purpose_idx').on(t.userId, t.purpose),
    check('account_tokens_purpose_check', sql`${t.purpose} in ('password_reset', 'verify_email', 'change_email')`),
  ],
)

export const emailStatuses = ['pending', 'sending', 'sent', 'failed'] as const
export type EmailStatus = (typeof emailStatuses)[number]

/**
 * The mail outbox: a message is written in the transaction of the change that causes it and sent
 * by the email worker. Bodies carry one-time links, so they are erased once the message is sent or failed.
 */
export const emails = sqliteTable(
  'emails',
  {
    id: text('id').primaryKey(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    template: text('template').notNull(),
    textBody: text('text_body'),
    htmlBody: text('html_body'),
    status: text('status', { enum: emailStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at'),
    /** A claim by a worker; a claim older than its lease is taken over after a crash. */
    leaseUntil: text('lease_until'),
    createdAt: text('created_at').notNull(),
    sentAt: text('sent_at'),
  },
  (t) => [
    index('emails_due_idx').on(t.status, t.nextAttemptAt),
    index('emails_created_id_idx').on(t.createdAt, t.id),
    check('emails_status_check', sql`${t.status} in ('pending', 'sending', 'sent', 'failed')`),
  ],
)

/*
 * State shared by every process on one database (worker mode, a CLI run beside the server).
 */

/**
 * Rate-limit events: one row per counted attempt of `key` under the limit `name` (a sliding
 * window). `expires_at` (epoch ms) is when the row stops counting; the prune job deletes it then.
 */
export const rateLimitEvents = sqliteTable(
  'rate_limit_events',
  {
    name: text('name').notNull(),
    key: text('key').notNull(),
    at: integer('at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('rate_limit_events_key_idx').on(t.name, t.key, t.at), index('rate_limit_events_expiry_idx').on(t.expiresAt)],
)

/** Pairs remembered for a while (an account and an address it logged in from); epoch ms. */
export const recentPairs = sqliteTable(
  'recent_pairs',
  {
    name: text('name').notNull(),
    key: text('key').notNull(),
    at: integer('at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.key] }), index('recent_pairs_expiry_idx').on(t.expiresAt)],
)

/** Named leases (the scheduler's leader): held by `holder` until `expires_at` (epoch ms) unless renewed. */
export const leases = sqliteTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

/**
 * Scheduled ticks already run: one row per (job, scheduled time), claimed by the process that runs
 * it, so a tick runs once even while leadership changes hands (the old leader's last tick and the
 * new one's first can't both run it). `at` (epoch ms) is for pruning.
 */
export const jobTicks = sqliteTable(
  'job_ticks',
  {
    job: text('job').notNull(),
    tick: text('tick').notNull(),
    holder: text('holder').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.job, t.tick] }), index('job_ticks_at_idx').on(t.at)],
)

/**
 * Cache keys made stale by a commit, written by triggers in the committing transaction (so every
 * writer, `kiosk create-admin` included, logs them). Other processes drop these keys from their
 * cache when PRAGMA data_version says another connection committed. AUTOINCREMENT: a sequence
 * number is never reused after pruning, so a reader can tell it missed pruned rows.
 */
export const cacheChanges = sqliteTable(
  'cache_changes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    /** Epoch ms, for pruning. */
    at: integer('at').notNull(),
  },
  (t) => [index('cache_changes_at_idx').on(t.at)],
)
