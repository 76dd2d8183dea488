import type { Database } from 'bun:sqlite'
import type { RawRow } from '../../db/rows.ts'
import type { DeliveryStatus, EventType, webhookDeliveries, webhooks } from '../../db/schema.ts'
import { immediateTransaction } from '../../db/transaction.ts'

/*
 * Webhooks and their deliveries: the only place their SQL lives, for the admin routes and the
 * webhook worker. The interface is async; the SQLite implementation is synchronous inside, and
 * the worker's two write steps (dispatchOutbox, claimDeliveries) are one transaction each.
 */

export type WebhookRow = Pick<RawRow<typeof webhooks>, 'id' | 'url' | 'events' | 'active' | 'created_at'>
export type DeliveryRow = Pick<
  RawRow<typeof webhookDeliveries>,
  'id' | 'event_id' | 'event_type' | 'status' | 'attempts' | 'last_status_code' | 'last_error' | 'next_attempt_at' | 'delivered_at' | 'created_at'
>

/** A delivery due for an attempt, with what the attempt needs. */
export interface DueDelivery {
  id: string
  webhook_id: string
  status: 'pending' | 'delivering'
  attempts: number
  event_id: string
  url: string
  secret: string
  type: EventType
  payload: string
  event_created_at: string
}

export interface Claimed extends DueDelivery {
  lease: string
  /** This attempt's number, 1-based. */
  attempt: number
}

export interface DeliveryOutcome {
  status: Exclude<DeliveryStatus, 'delivering'>
  statusCode: number | null
  error: string | null
  nextAttemptAt: string | null
  deliveredAt: string | null
}

/** Keyset position: rows strictly before (created_at, id) in newest-first order. */
type Before = [createdAt: string, id: string]

export interface WebhookStore {
  insertWebhook(webhook: { id: string; url: string; events: EventType[]; secret: string; at: string }): Promise<void>
  findWebhook(id: string): Promise<WebhookRow | undefined>
  /** Up to `limit` webhooks, newest first. */
  listWebhooks(limit: number, before?: Before): Promise<WebhookRow[]>
  /** Deletes the webhook and, by cascade, its deliveries. */
  deleteWebhook(id: string): Promise<void>
  /** Up to `limit` deliveries of a webhook, newest first. */
  listDeliveries(webhookId: string, limit: number, before?: Before): Promise<DeliveryRow[]>

  /**
   * In one transaction, each undispatched outbox event becomes one pending delivery per active
   * webhook subscribed to its type (and created no later than the event), and is marked
   * dispatched. Returns how many events it handled. A read-only probe first, so an idle worker
   * never takes the write lock.
   */
  dispatchOutbox(now: string): Promise<number>
  /**
   * In one transaction, claims up to `limit` due deliveries (pending and due, or delivering with
   * an expired lease): each becomes `delivering` with `lease` and its attempt is counted. One whose
   * last allowed attempt was cut off is failed instead (`failed` counts them).
   */
  claimDeliveries(options: { now: string; lease: string; limit: number; maxAttempts: number }): Promise<{ claims: Claimed[]; failed: number }>
  /** Lands an attempt's outcome, only if the lease still holds the delivery. */
  recordOutcome(claim: Pick<Claimed, 'id' | 'lease'>, outcome: DeliveryOutcome): Promise<void>
}

const DISPATCH_BATCH = 500

export function createWebhookStore(sqlite: Database): WebhookStore {
  const insert = sqlite.prepare<void, [string, string, string, string, string, string]>(
    'INSERT INTO webhooks (id, url, events, secret, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
  )
  const columns = 'id, url, events, active, created_at'
  const selectOne = sqlite.prepare<WebhookRow, [string]>(`SELECT ${columns} FROM webhooks WHERE id = ?`)
  const selectPage = sqlite.prepare<WebhookRow, [number]>(`SELECT ${columns} FROM webhooks ORDER BY created_at DESC, id DESC LIMIT ?`)
  const selectPageAfter = sqlite.prepare<WebhookRow, [string, string, number]>(
    `SELECT ${columns} FROM webhooks WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
  const deleteOne = sqlite.prepare<void, [string]>('DELETE FROM webhooks WHERE id = ?')
  const deliveryColumns =
    'id, event_id, event_type, status, attempts, last_status_code, last_error, next_attempt_at, delivered_at, created_at'
  const selectDeliveries = sqlite.prepare<DeliveryRow, [string, number]>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
  const selectDeliveriesAfter = sqlite.prepare<DeliveryRow, [string, string, string, number]>(
    `SELECT ${deliveryColumns} FROM webhook_deliveries WHERE webhook_id = ? AND (created_at, id) < (?, ?)
     ORDER BY created_at DESC, id DESC LIMIT ?`,
  )

  const selectUndispatched = sqlite.prepare<{ id: string; type: EventType; created_at: string }, [number]>(
    'SELECT id, type, created_at FROM outbox WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT ?',
  )
  const selectActiveWebhooks = sqlite.prepare<{ id: string; events: string; created_at: string }, []>(
    'SELECT id, events, created_at FROM webhooks WHERE active = 1',
  )
  const insertDelivery = sqlite.prepare<void, [string, string, string, string, string, string]>(
    `INSERT OR IGNORE INTO webhook_deliveries (id, webhook_id, event_id, event_type, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)`,
  )
  // Read-only probes, so an idle worker never takes the write lock.
  const anyUndispatched = sqlite.prepare<{ found: number }, []>('SELECT 1 AS found FROM outbox WHERE dispatched_at IS NULL LIMIT 1')
  const anyDue = sqlite.prepare<{ found: number }, [string, string]>(
    `SELECT 1 AS found FROM webhook_deliveries
     WHERE (status = 'pending' AND next_attempt_at <= ?1) OR (status = 'delivering' AND lease_until <= ?2) LIMIT 1`,
  )
  const markDispatched = sqlite.prepare<void, [string, string]>('UPDATE outbox SET dispatched_at = ? WHERE id = ?')
  const dueColumns = `d.id, d.webhook_id, d.status, d.attempts, d.event_id, w.url, w.secret, o.type, o.payload, o.created_at AS event_created_at
     FROM webhook_deliveries d
     JOIN webhooks w ON w.id = d.webhook_id
     JOIN outbox o ON o.id = d.event_id`
  // Two queries, not one with OR: each walks webhook_deliveries_due_idx in order, so a backlog
  // costs `limit` rows per claim instead of a sort of every due row.
  const selectExpiredLeases = sqlite.prepare<DueDelivery, [string, number]>(
    `SELECT ${dueColumns} WHERE d.status = 'delivering' AND d.lease_until <= ? LIMIT ?`,
  )
  const selectDuePending = sqlite.prepare<DueDelivery, [string, number]>(
    `SELECT ${dueColumns} WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`,
  )
  const claimRow = sqlite.prepare<void, [string, string]>(
    "UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, lease_until = ? WHERE id = ?",
  )
  const failInterrupted = sqlite.prepare<void, [string, string]>(
    `UPDATE webhook_deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, lease_until = NULL WHERE id = ?`,
  )
  const updateOutcome = sqlite.prepare<void, [string, number | null, string | null, string | null, string | null, string, string]>(
    `UPDATE webhook_deliveries
     SET status = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?, delivered_at = ?, lease_until = NULL
     WHERE id = ? AND status = 'delivering' AND lease_until = ?`,
  )

  function dispatchBatch(now: string): number {
    let handled = 0
    const active = selectActiveWebhooks.all().map((webhook) => ({ ...webhook, events: new Set(JSON.parse(webhook.events) as EventType[]) }))
    for (;;) {
      const events = selectUndispatched.all(DISPATCH_BATCH)
      for (const event of events) {
        for (const webhook of active) {
          // A subscription starts when it is made: older events are not replayed to it.
          if (!webhook.events.has(event.type) || webhook.created_at > event.created_at) continue
          insertDelivery.run(Bun.randomUUIDv7(), webhook.id, event.id, event.type, now, now)
        }
        markDispatched.run(now, event.id)
      }
      handled += events.length
      if (events.length < DISPATCH_BATCH) return handled
    }
  }

  function claimBatch({ now, lease, limit, maxAttempts }: { now: string; lease: string; limit: number; maxAttempts: number }) {
    const claims: Claimed[] = []
    let failed = 0
    const expired = selectExpiredLeases.all(now, limit)
    const due = [...expired, ...selectDuePending.all(now, limit - expired.length)]
    for (const row of due) {
      if (row.status === 'delivering' && row.attempts >= maxAttempts) {
        // Its last allowed attempt was cut off (the process died): no attempts are left.
        failInterrupted.run(`attempt ${row.attempts} was interrupted (the worker stopped) and no attempts remain`, row.id)
        failed++
        continue
      }
      claimRow.run(lease, row.id)
      claims.push({ ...row, lease, attempt: row.attempts + 1 })
    }
    return { claims, failed }
  }

  return {
    async insertWebhook({ id, url, events, secret, at }) {
      insert.run(id, url, JSON.stringify(events), secret, at, at)
    },
    async findWebhook(id) {
      return selectOne.get(id) ?? undefined
    },
    async listWebhooks(limit, before) {
      return before ? selectPageAfter.all(before[0], before[1], limit) : selectPage.all(limit)
    },
    async deleteWebhook(id) {
      deleteOne.run(id)
    },
    async listDeliveries(webhookId, limit, before) {
      return before ? selectDeliveriesAfter.all(webhookId, before[0], before[1], limit) : selectDeliveries.all(webhookId, limit)
    },
    async dispatchOutbox(now) {
      return anyUndispatched.get() ? immediateTransaction(sqlite, () => dispatchBatch(now)) : 0
    },
    async claimDeliveries(options) {
      if (!anyDue.get(options.now, options.now)) return { claims: [], failed: 0 }
      return immediateTransaction(sqlite, () => claimBatch(options))
    },
    async recordOutcome(claim, o) {
      updateOutcome.run(o.status, o.statusCode, o.error, o.nextAttemptAt, o.deliveredAt, claim.id, claim.lease)
    },
  }
}
