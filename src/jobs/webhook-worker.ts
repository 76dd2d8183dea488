import type { AppContext } from '../context.ts'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../lib/backoff.ts'
import { lastError } from '../lib/last-error.ts'
import { systemResolver, type Resolver } from '../lib/ssrf.ts'
import { logSecurityEvent } from '../lib/security-log.ts'
import { attemptDelivery, type AttemptOutcome } from '../modules/webhooks/delivery.ts'
import type { Claimed as Claim, WebhookStore } from '../modules/webhooks/store.ts'

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

/** Beyond the attempt's own timeout: how long a claim is trusted before another worker takes it over. */
const LEASE_MARGIN_MS = 60_000


export function createWebhookWorker(
  store: WebhookStore,
  ctx: Pick<AppContext, 'clock' | 'config' | 'logger' | 'metrics'>,
  options: WebhookWorkerOptions = {},
) {
  const { clock, config, logger, metrics } = ctx
  const random = options.random ?? Math.random
  const resolve = options.resolve ?? systemResolver
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const leaseMs = config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS
  const log = logger.child({ component: 'webhook-worker' })

  /** Fans undispatched outbox events out to deliveries; returns how many events it handled. */
  const dispatch = (): Promise<number> => store.dispatchOutbox(clock.now().toISOString())

  /** Claims up to `limit` due deliveries for this process. */
  async function claim(limit: number): Promise<Claim[]> {
    const now = clock.now()
    const { claims, failed } = await store.claimDeliveries({
      now: now.toISOString(),
      lease: new Date(now.getTime() + leaseMs).toISOString(),
      limit,
      maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    })
    if (failed) metrics.webhookDeliveries.inc({ outcome: 'failed' }, failed)
    return claims
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
        { webhook_id: claim.webhook_id, delivery_id: claim.id, url: claim.url, status_code: outcome.statusCode, error: lastError(outcome.error) },
        'webhook endpoint started failing',
      )
    }
  }

  async function record(claim: Claim, outcome: AttemptOutcome) {
    noteEndpointHealth(claim, outcome)
    const now = clock.now()
    const iso = now.toISOString()
    let status: 'pending' | 'delivered' | 'failed'
    let nextAttemptAt: string | null = null
    let error: string | null = null
    if (outcome.result === 'delivered') status = 'delivered'
    else {
      error = lastError(outcome.error)
      if (outcome.result === 'retry' && claim.attempt < config.WEBHOOK_MAX_ATTEMPTS) {
        status = 'pending'
        const delay = Math.max(backoffDelay(claim.attempt, random, backoff), outcome.retryAfterMs ?? 0)
        nextAttemptAt = new Date(now.getTime() + delay).toISOString()
      } else status = 'failed'
    }
    await store.recordOutcome(claim, {
      status,
      statusCode: outcome.statusCode,
      error,
      nextAttemptAt,
      deliveredAt: status === 'delivered' ? iso : null,
    })
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
    await record(claim, outcome)
  }

  const inFlight = new Set<Promise<void>>()
  let timer: ReturnType<typeof setInterval> | undefined
  /** Slots taken by claims not yet in flight (a fill awaiting its claim). */
  let reserved = 0

  /** Starts attempts for due deliveries while there is room; returns how many it started. */
  async function fill(): Promise<number> {
    const room = config.WEBHOOK_CONCURRENCY - inFlight.size - reserved
    if (room <= 0) return 0
    reserved += room
    let claims: Claim[]
    try {
      claims = await claim(room)
    } finally {
      reserved -= room
    }
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

  function safely(step: () => Promise<unknown>) {
    // A busy database or similar: the next poll tries again.
    step().catch((error) => log.error({ err: error }, 'webhook worker step failed'))
  }

  return {
    /** Fans undispatched outbox events out to deliveries (no attempts); returns how many events. */
    dispatch,

    /** Dispatches new events and makes every attempt due now, waiting for all of them. */
    async runOnce(): Promise<void> {
      await dispatch()
      await fill()
      while (inFlight.size > 0) {
        await Promise.race(inFlight)
        await fill()
      }
    },

    /** Polls every pollIntervalMs until stop(). */
    start() {
      if (timer) return
      const tick = () =>
        safely(async () => {
          await dispatch()
          await fill()
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
