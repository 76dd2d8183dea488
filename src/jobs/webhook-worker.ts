import type { AppContext } from '../context.ts'
import type { EventType } from '../db/schema.ts'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../lib/backoff.ts'
import { systemResolver, type Resolver } from '../lib/ssrf.ts'
import { logSecurityEvent } from '../lib/security-log.ts'
import { attemptDelivery, type AttemptOutcome } from '../modules/webhooks/delivery.ts'

/*
 * The webhook worker: turns outbox events into deliveries and makes their attempts, entirely off
 * the request path.
 *
 * 1. Dispatch: in one transaction, each undispatched outbox event becomes one pending delivery per
 *    active webhook subscribed to its type (and created no later than the event), and the event is
 *    marked dispatched. A crash before commit leaves the event undispatched; the unique
 *    (webhook_id, event_id) index makes a repeat harmless.
 * 2. Claim: in one transaction, due deliveries (pending and next_attempt_at <= now, or delivering
 *    with an expired lease: their process died mid-attempt) become `delivering` with a lease, and
 *    their attempt is counted. At most WEBHOOK_CONCURRENCY are in flight.
 * 3. Attempt and record: the outcome lands on the row only if our lease still holds it.
 *
 * Delivery is at least once: a crash after the receiver answered but before the outcome was
 * recorded sends the event again (same webhook-id, so receivers can de-duplicate).
 */

export interface WebhookWorkerOptions {
  /** [0, 1) source for backoff jitter; tests pin it. */
  random?: () => number
  /** DNS for the per-attempt SSRF check; tests inject one. */
  resolve?: Resolver
  /** How often the loop started by start() looks for work. */
  pollIntervalMs?: number
  backoff?: BackoffPolicy
}

const DISPATCH_BATCH = 500
const ERROR_MAX_CHARS = 500
/** Beyond the attempt's own timeout: how long a claim is trusted before another worker takes it over. */
const LEASE_MARGIN_MS = 60_000

interface DueRow {
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

interface Claim extends DueRow {
  lease: string
  /** This attempt's number, 1-based. */
  attempt: number
}

const truncate = (text: string) => {
  const chars = [...text]
  return chars.length > ERROR_MAX_CHARS ? `${chars.slice(0, ERROR_MAX_CHARS - 1).join('')}…` : text
}

export function createWebhookWorker(ctx: AppContext, options: WebhookWorkerOptions = {}) {
  const { sqlite, clock, config, logger, metrics } = ctx
  const random = options.random ?? Math.random
  const resolve = options.resolve ?? systemResolver
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const leaseMs = config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS
  const log = logger.child({ component: 'webhook-worker' })

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
  const selectExpiredLeases = sqlite.prepare<DueRow, [string, number]>(
    `SELECT ${dueColumns} WHERE d.status = 'delivering' AND d.lease_until <= ? LIMIT ?`,
  )
  const selectDuePending = sqlite.prepare<DueRow, [string, number]>(
    `SELECT ${dueColumns} WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at LIMIT ?`,
  )
  const claimRow = sqlite.prepare<void, [string, string]>(
    "UPDATE webhook_deliveries SET status = 'delivering', attempts = attempts + 1, lease_until = ? WHERE id = ?",
  )
  const failInterrupted = sqlite.prepare<void, [string, string]>(
    `UPDATE webhook_deliveries SET status = 'failed', last_error = ?, next_attempt_at = NULL, lease_until = NULL WHERE id = ?`,
  )
  const recordOutcome = sqlite.prepare<void, [string, number | null, string | null, string | null, string | null, string, string]>(
    `UPDATE webhook_deliveries
     SET status = ?, last_status_code = ?, last_error = ?, next_attempt_at = ?, delivered_at = ?, lease_until = NULL
     WHERE id = ? AND status = 'delivering' AND lease_until = ?`,
  )

  /** Fans undispatched events out to deliveries; returns how many events it handled. */
  const dispatchBatch = sqlite.transaction((): number => {
    let handled = 0
    const webhooks = selectActiveWebhooks
      .all()
      .map((webhook) => ({ ...webhook, events: new Set(JSON.parse(webhook.events) as EventType[]) }))
    const now = clock.now().toISOString()
    for (;;) {
      const events = selectUndispatched.all(DISPATCH_BATCH)
      for (const event of events) {
        for (const webhook of webhooks) {
          // A subscription starts when it is made: older events are not replayed to it.
          if (!webhook.events.has(event.type) || webhook.created_at > event.created_at) continue
          insertDelivery.run(Bun.randomUUIDv7(), webhook.id, event.id, event.type, now, now)
        }
        markDispatched.run(now, event.id)
      }
      handled += events.length
      if (events.length < DISPATCH_BATCH) return handled
    }
  })

  const dispatch = (): number => (anyUndispatched.get() ? dispatchBatch.immediate() : 0)

  /** Claims up to `limit` due deliveries for this process. */
  const claimBatch = sqlite.transaction((limit: number): Claim[] => {
    const now = clock.now()
    const nowIso = now.toISOString()
    const lease = new Date(now.getTime() + leaseMs).toISOString()
    const claims: Claim[] = []
    const expired = selectExpiredLeases.all(nowIso, limit)
    const due = [...expired, ...selectDuePending.all(nowIso, limit - expired.length)]
    for (const row of due) {
      if (row.status === 'delivering' && row.attempts >= config.WEBHOOK_MAX_ATTEMPTS) {
        // Its last allowed attempt was cut off (the process died): no attempts are left.
        failInterrupted.run(`attempt ${row.attempts} was interrupted (the worker stopped) and no attempts remain`, row.id)
        metrics.webhookDeliveries.inc({ outcome: 'failed' })
        continue
      }
      claimRow.run(lease, row.id)
      claims.push({ ...row, lease, attempt: row.attempts + 1 })
    }
    return claims
  })

  const claim = (limit: number): Claim[] => {
    const now = clock.now().toISOString()
    return anyDue.get(now, now) ? claimBatch.immediate(limit) : []
  }

  /**
   * Webhooks whose last attempt failed. The first failure after a success (or of a new webhook) is
   * a security event: an endpoint that starts failing may have been taken over or gone away. Bounded
   * by the number of webhooks; forgotten at restart (the first failure after it is reported again).
   */
  const failing = new Set<string>()
  function noteEndpointHealth(claim: Claim, outcome: AttemptOutcome) {
    if (outcome.result === 'failed' && outcome.refused) {
      logSecurityEvent(
        logger,
        'ssrf_refused',
        { webhook_id: claim.webhook_id, delivery_id: claim.id, url: claim.url, reason: outcome.refused },
        'webhook target refused at delivery',
      )
    }
    if (outcome.result === 'delivered') failing.delete(claim.webhook_id)
    else if (!failing.has(claim.webhook_id)) {
      failing.add(claim.webhook_id)
      logSecurityEvent(
        logger,
        'webhook_failing',
        { webhook_id: claim.webhook_id, delivery_id: claim.id, url: claim.url, status_code: outcome.statusCode, error: truncate(outcome.error) },
        'webhook endpoint started failing',
      )
    }
  }

  function record(claim: Claim, outcome: AttemptOutcome) {
    noteEndpointHealth(claim, outcome)
    const now = clock.now()
    const iso = now.toISOString()
    let status: 'pending' | 'delivered' | 'failed'
    let nextAttemptAt: string | null = null
    let error: string | null = null
    if (outcome.result === 'delivered') status = 'delivered'
    else {
      error = truncate(outcome.error)
      if (outcome.result === 'retry' && claim.attempt < config.WEBHOOK_MAX_ATTEMPTS) {
        status = 'pending'
        const delay = Math.max(backoffDelay(claim.attempt, random, backoff), outcome.retryAfterMs ?? 0)
        nextAttemptAt = new Date(now.getTime() + delay).toISOString()
      } else status = 'failed'
    }
    recordOutcome.run(
      status,
      outcome.statusCode,
      error,
      nextAttemptAt,
      status === 'delivered' ? iso : null,
      claim.id,
      claim.lease,
    )
    const label = status === 'pending' ? 'retry' : status
    metrics.webhookDeliveries.inc({ outcome: label })
    const fields = { delivery_id: claim.id, event_id: claim.event_id, attempt: claim.attempt, status_code: outcome.statusCode }
    if (status === 'failed') log.warn({ ...fields, error }, 'webhook delivery failed')
    else if (status === 'pending') log.info({ ...fields, error, next_attempt_at: nextAttemptAt }, 'webhook delivery will be retried')
    else log.debug(fields, 'webhook delivered')
  }

  async function deliver(claim: Claim) {
    const body = JSON.stringify({
      id: claim.event_id,
      type: claim.type,
      created_at: claim.event_created_at,
      data: JSON.parse(claim.payload),
    })
    const outcome = await attemptDelivery(
      { url: claim.url, secret: claim.secret, eventId: claim.event_id, body },
      { now: clock.now(), timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, resolve },
    )
    record(claim, outcome)
  }

  const inFlight = new Set<Promise<void>>()
  let timer: ReturnType<typeof setInterval> | undefined

  /** Starts attempts for due deliveries while there is room; returns how many it started. */
  function fill(): number {
    const room = config.WEBHOOK_CONCURRENCY - inFlight.size
    if (room <= 0) return 0
    const claims = claim(room)
    for (const claimed of claims) {
      const running: Promise<void> = deliver(claimed)
        .catch((error) => log.error({ err: error, delivery_id: claimed.id }, 'webhook attempt crashed'))
        .finally(() => {
          inFlight.delete(running)
          // In the background loop a freed slot is refilled at once rather than at the next poll.
          if (timer) safely(fill)
        })
      inFlight.add(running)
    }
    return claims.length
  }

  function safely(step: () => unknown) {
    try {
      step()
    } catch (error) {
      // A busy database or similar: the next poll tries again.
      log.error({ err: error }, 'webhook worker step failed')
    }
  }

  return {
    /** Fans undispatched outbox events out to deliveries (no attempts); returns how many events. */
    dispatch,

    /** Dispatches new events and makes every attempt due now, waiting for all of them. */
    async runOnce(): Promise<void> {
      dispatch()
      fill()
      while (inFlight.size > 0) {
        await Promise.race(inFlight)
        fill()
      }
    },

    /** Polls every pollIntervalMs until stop(). */
    start() {
      if (timer) return
      const tick = () =>
        safely(() => {
          dispatch()
          fill()
        })
      timer = setInterval(tick, pollIntervalMs)
      tick()
    },

    /** Stops polling and waits for the attempts in flight (each bounded by WEBHOOK_TIMEOUT_MS). */
    async stop(): Promise<void> {
      clearInterval(timer)
      timer = undefined
      await Promise.allSettled([...inFlight])
    },

    /** Attempts in flight now. */
    get inFlight() {
      return inFlight.size
    },
  }
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>
