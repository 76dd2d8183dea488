import type { SQL } from 'bun'
import { checkCursorKey, hasNul } from '../../db/pg/nul.ts'
import type { EventType } from '../../db/schema.ts'
import type { Claimed, DeliveryRow, DueDelivery, WebhookRow, WebhookStore } from './store.ts'

/*
 * The PostgreSQL twin of store.ts. Several processes may run the worker at once, so its two write
 * steps lock what they take: outbox events and due deliveries are read FOR UPDATE SKIP LOCKED
 * (a second worker takes other rows, never the same ones), and the (webhook_id, event_id) unique
 * index makes a repeated fan-out harmless. Rows come back in the SQLite shapes (active as 0/1).
 */

const DISPATCH_BATCH = 500

type Before = [createdAt: string, id: string] | undefined

export function createPgWebhookStore(sql: SQL): WebhookStore {
  /** The active webhooks, oldest first (SQLite's rowid order), with their subscriptions parsed. */
  async function activeWebhooks(tx: SQL) {
    const rows: { id: string; events: string; created_at: string }[] =
      await tx`SELECT id, events, created_at FROM webhooks WHERE active ORDER BY created_at, id`
    return rows.map((webhook) => ({ ...webhook, events: new Set(JSON.parse(webhook.events) as EventType[]) }))
  }

  /** One batch of undispatched events, locked: fanned out to deliveries and marked dispatched. */
  async function dispatchBatch(tx: SQL, now: string, active: Awaited<ReturnType<typeof activeWebhooks>>): Promise<number> {
    const events: { id: string; type: EventType; created_at: string }[] = await tx`
      SELECT id, type, created_at FROM outbox WHERE dispatched_at IS NULL
      ORDER BY created_at, id LIMIT ${DISPATCH_BATCH} FOR UPDATE SKIP LOCKED`
    if (events.length === 0) return 0
    const ids: string[] = []
    const webhookIds: string[] = []
    const eventIds: string[] = []
    const types: string[] = []
    for (const event of events) {
      for (const webhook of active) {
        // A subscription starts when it is made: older events are not replayed to it.
        if (!webhook.events.has(event.type) || webhook.created_at > event.created_at) continue
        // UUIDv7 made here, in the same order as on SQLite (PostgreSQL 15 has no uuidv7()).
        ids.push(Bun.randomUUIDv7())
        webhookIds.push(webhook.id)
        eventIds.push(event.id)
        types.push(event.type)
      }
    }
    // Arrays, not a VALUES list: one statement text whatever the batch's size, and no parameter limit.
    if (ids.length > 0) {
      await tx`
        INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, created_at)
        SELECT id, webhook_id, event_id, event_type, 'pending', 0, ${now}, ${now}
        FROM unnest(${ids}::text[], ${webhookIds}::text[], ${eventIds}::text[], ${types}::text[]) AS d(id, webhook_id, event_id, event_type)
        ON CONFLICT (webhook_id, event_id) DO NOTHING`
    }
    await tx`UPDATE outbox SET dispatched_at = ${now} WHERE id = ANY(${events.map((event) => event.id)}::text[])`
    return events.length
  }

  // Two queries, not one with OR: each walks webhook_deliveries_due_idx in order, so a backlog
  // costs `limit` rows per claim instead of a sort of every due row. FOR UPDATE OF d locks only
  // the deliveries; SKIP LOCKED leaves another worker's rows to it.
  const expiredLeases = (tx: SQL, now: string, limit: number): Promise<DueDelivery[]> => tx`
    SELECT d.id, d.webhook_id, d.status, d.attempts, d.event_id, w.url, w.secret, o.type, o.payload, o.created_at AS event_created_at
    FROM webhook_deliveries d
    JOIN webhooks w ON w.id = d.webhook_id
    JOIN outbox o ON o.id = d.event_id
    WHERE d.status = 'delivering' AND d.lease_until <= ${now}
    ORDER BY d.next_attempt_at, d.id LIMIT ${limit}
    FOR UPDATE OF d SKIP LOCKED`
  const duePending = (tx: SQL, now: string, limit: number): Promise<DueDelivery[]> => tx`
    SELECT d.id, d.webhook_id, d.status, d.attempts, d.event_id, w.url, w.secret, o.type, o.payload, o.created_at AS event_created_at
    FROM webhook_deliveries d
    JOIN webhooks w ON w.id = d.webhook_id
    JOIN outbox o ON o.id = d.event_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
    ORDER BY d.next_attempt_at, d.id LIMIT ${limit}
    FOR UPDATE OF d SKIP LOCKED`

  return {
    async insertWebhook({ id, url, events, secret, at }) {
      await sql`
        INSERT INTO webhooks (id, url, events, secret, active, created_at, updated_at)
        VALUES (${id}, ${url}, ${JSON.stringify(events)}, ${secret}, true, ${at}, ${at})`
    },
    // An id with a NUL names no webhook, a cursor with one is invalid (src/db/pg/nul.ts).
    async findWebhook(id) {
      if (hasNul(id)) return undefined
      const [row] = await sql`SELECT id, url, events, active::int AS active, created_at FROM webhooks WHERE id = ${id}`
      return row as WebhookRow | undefined
    },
    async listWebhooks(limit, before: Before) {
      if (before) checkCursorKey(before)
      const rows = before
        ? await sql`
            SELECT id, url, events, active::int AS active, created_at FROM webhooks
            WHERE (created_at, id) < (${before[0]}, ${before[1]}) ORDER BY created_at DESC, id DESC LIMIT ${limit}`
        : await sql`SELECT id, url, events, active::int AS active, created_at FROM webhooks ORDER BY created_at DESC, id DESC LIMIT ${limit}`
      return rows as WebhookRow[]
    },
    async deleteWebhook(id) {
      if (hasNul(id)) return
      await sql`DELETE FROM webhooks WHERE id = ${id}`
    },
    async listDeliveries(webhookId, limit, before: Before) {
      if (before) checkCursorKey(before)
      if (hasNul(webhookId)) return []
      const rows = before
        ? await sql`
            SELECT id, event_id, event_type, status, attempts, last_status_code, last_error, next_attempt_at, delivered_at, created_at
            FROM webhook_deliveries WHERE webhook_id = ${webhookId} AND (created_at, id) < (${before[0]}, ${before[1]})
            ORDER BY created_at DESC, id DESC LIMIT ${limit}`
        : await sql`
            SELECT id, event_id, event_type, status, attempts, last_status_code, last_error, next_attempt_at, delivered_at, created_at
            FROM webhook_deliveries WHERE webhook_id = ${webhookId}
            ORDER BY created_at DESC, id DESC LIMIT ${limit}`
      return rows as DeliveryRow[]
    },

    async dispatchOutbox(now) {
      // A read-only probe first: an idle worker opens no transaction and locks nothing.
      const [pending] = await sql`SELECT 1 AS found FROM outbox WHERE dispatched_at IS NULL LIMIT 1`
      if (!pending) return 0
      return sql.begin(async (tx) => {
        const active = await activeWebhooks(tx)
        let handled = 0
        for (;;) {
          const batch = await dispatchBatch(tx, now, active)
          handled += batch
          if (batch < DISPATCH_BATCH) return handled
        }
      })
    },

    async claimDeliveries({ now, lease, limit, maxAttempts }) {
      const [due] = await sql`
        SELECT 1 AS found FROM webhook_deliveries
        WHERE (status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'delivering' AND lease_until <= ${now}) LIMIT 1`
      if (!due) return { claims: [], failed: 0 }
      return sql.begin(async (tx) => {
        const expired = await expiredLeases(tx, now, limit)
        const rows = expired.length < limit ? [...expired, ...(await duePending(tx, now, limit - expired.length))] : expired
        const claims: Claimed[] = []
        const interrupted: DueDelivery[] = []
        for (const row of rows) {
          // Its last allowed attempt was cut off (the process died): no attempts are left.
          if (row.status === 'delivering' && row.attempts >= maxAttempts) interrupted.push(row)
          else claims.push({ ...row, lease, attempt: row.attempts + 1 })
        }
        // The rows are locked by this transaction: the updates cannot meet another worker's.
        for (const row of interrupted) {
          await tx`
            UPDATE webhook_deliveries
            SET status = 'failed', last_error = ${`attempt ${row.attempts} was interrupted (the worker stopped) and no attempts remain`},
                next_attempt_at = NULL, lease_until = NULL
            WHERE id = ${row.id}`
        }
        if (claims.length > 0) {
          await tx`
            UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, lease_until = ${lease}
            WHERE id = ANY(${claims.map((claim) => claim.id)}::text[])`
        }
        return { claims, failed: interrupted.length }
      })
    },

    async recordOutcome(claim, o) {
      await sql`
        UPDATE webhook_deliveries
        SET status = ${o.status}, last_status_code = ${o.statusCode}, last_error = ${o.error},
            next_attempt_at = ${o.nextAttemptAt}, delivered_at = ${o.deliveredAt}, lease_until = NULL
        WHERE id = ${claim.id} AND status = 'delivering' AND lease_until = ${claim.lease}`
    },
  }
}
