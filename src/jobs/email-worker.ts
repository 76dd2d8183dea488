import type { AppContext } from '../context.ts'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../lib/backoff.ts'
import { lastError } from '../lib/last-error.ts'
import type { ClaimedEmail, EmailStore } from '../modules/email/store.ts'
import { createSmtpTransport, SMTP_TIMEOUTS, type MailTransport } from '../modules/email/transport.ts'

/*
 * The email worker: sends what the mail outbox (the `emails` table) holds, off the request path,
 * with the webhook worker's machinery. Claim due messages under a lease in one transaction
 * (counting the attempt), send, record the outcome only if the lease still holds. A failed attempt
 * is retried after exponential backoff with full jitter until EMAIL_MAX_ATTEMPTS; then the message
 * is `failed` (GET /admin/emails shows it). A process that dies mid-attempt leaves a lease that
 * another worker takes over once it expires, so no message is lost; delivery is at least once
 * (a crash after the server accepted but before the outcome was written sends it again, with the
 * same Message-ID).
 */

export interface EmailWorkerOptions {
  /** [0, 1) source for backoff jitter; tests pin it. */
  random?: () => number
  pollIntervalMs?: number
  backoff?: BackoffPolicy
  transport?: MailTransport
}

/** Messages in flight at once: mail is not latency-critical, and each holds an SMTP connection. */
const CONCURRENCY = 2
/** How long a claim is trusted: the longest attempt the SMTP timeouts allow, plus a margin. */
export const EMAIL_LEASE_MS = SMTP_TIMEOUTS.connectionTimeout + SMTP_TIMEOUTS.greetingTimeout + SMTP_TIMEOUTS.socketTimeout + 60_000


export function createEmailWorker(store: EmailStore, ctx: AppContext, options: EmailWorkerOptions = {}) {
  const { clock, config, logger, metrics } = ctx
  const random = options.random ?? Math.random
  const backoff = options.backoff ?? DEFAULT_BACKOFF
  const pollIntervalMs = options.pollIntervalMs ?? 1_000
  const log = logger.child({ component: 'email-worker' })
  // Without SMTP_URL nothing is ever queued (the routes that would queue answer 503): the worker idles.
  const transport = options.transport ?? (config.SMTP_URL ? createSmtpTransport(config.SMTP_URL, config.MAIL_FROM) : undefined)
  if (config.REQUIRE_VERIFIED_EMAIL && !config.SMTP_URL) {
    log.warn('REQUIRE_VERIFIED_EMAIL=true without SMTP_URL: no address can be verified, so POST /orders is 403 for every unverified user')
  }

  async function attempt(claim: ClaimedEmail) {
    const sent = await transport!.send(claim)
    const now = clock.now()
    const iso = now.toISOString()
    let outcome: Parameters<EmailStore['record']>[1]
    if (sent.result === 'sent') outcome = { result: 'sent' }
    else if (sent.result === 'retry' && claim.attempt < config.EMAIL_MAX_ATTEMPTS) {
      const nextAttemptAt = new Date(now.getTime() + backoffDelay(claim.attempt, random, backoff)).toISOString()
      outcome = { result: 'retry', error: lastError(sent.error), nextAttemptAt }
    } else outcome = { result: 'failed', error: lastError(sent.error) }
    const held = await store.record(claim, outcome, iso)
    if (held) metrics.emailAttempts.inc({ outcome: outcome.result })
    const fields = { email_id: claim.id, attempt: claim.attempt }
    if (!held) log.warn(fields, 'email attempt finished after its lease was taken over; outcome discarded')
    else if (outcome.result === 'failed') log.warn({ ...fields, error: outcome.error }, 'email failed')
    else if (outcome.result === 'retry') log.info({ ...fields, error: outcome.error, next_attempt_at: outcome.nextAttemptAt }, 'email will be retried')
    else log.debug(fields, 'email sent')
  }

  const inFlight = new Set<Promise<void>>()
  let timer: ReturnType<typeof setInterval> | undefined
  let filling: Promise<number> | undefined

  /** Starts attempts for due messages while there is room; returns how many it started. */
  async function fillOnce(): Promise<number> {
    const room = CONCURRENCY - inFlight.size
    if (room <= 0 || !transport) return 0
    const now = clock.now()
    const { claims, failed } = await store.claim(
      now.toISOString(),
      new Date(now.getTime() + EMAIL_LEASE_MS).toISOString(),
      room,
      config.EMAIL_MAX_ATTEMPTS,
    )
    if (failed) {
      metrics.emailAttempts.inc({ outcome: 'failed' }, failed)
      log.warn({ count: failed }, 'emails failed: their last attempt was interrupted')
    }
    for (const claimed of claims) {
      const running: Promise<void> = attempt(claimed)
        .catch((error) => log.error({ err: error, email_id: claimed.id }, 'email attempt crashed'))
        .finally(() => {
          inFlight.delete(running)
          if (timer) void fill()
        })
      inFlight.add(running)
    }
    return claims.length
  }

  // One fill at a time, so two callers can't both see room and over-claim.
  function fill(): Promise<number> {
    filling ??= fillOnce()
      .catch((error) => {
        // A busy database or similar: the next poll tries again.
        log.error({ err: error }, 'email worker step failed')
        return 0
      })
      .finally(() => (filling = undefined))
    return filling
  }

  return {
    /** Makes every attempt due now, waiting for all of them (tests; the loop uses start()). */
    async runOnce(): Promise<void> {
      await fill()
      while (inFlight.size > 0) {
        await Promise.race(inFlight)
        await fill()
      }
    },

    /** Polls every pollIntervalMs until stop(); does nothing without SMTP_URL. */
    start() {
      if (timer || !transport) return
      timer = setInterval(() => void fill(), pollIntervalMs)
      void fill()
    },

    /** Stops polling and waits for the attempts in flight (each bounded by the SMTP timeouts). */
    async stop(): Promise<void> {
      clearInterval(timer)
      timer = undefined
      await filling
      await Promise.allSettled([...inFlight])
      transport?.close()
    },

    get inFlight() {
      return inFlight.size
    },
  }
}

export type EmailWorker = ReturnType<typeof createEmailWorker>
