import type { AppContext } from '../../context.ts'
import type { EventType } from '../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { NotFoundError, ValidationFailedError } from '../../lib/errors.ts'
import { logSecurityEvent } from '../../lib/security-log.ts'
import { inspectTarget, systemResolver, type Resolver } from '../../lib/ssrf.ts'
import { URL_MAX, type CreatedWebhookView, type DeliveryView, type WebhookView } from './model.ts'
import { generateSecret } from './signing.ts'

interface WebhookRow {
  id: string
  url: string
  events: string
  active: number
  created_at: string
}

interface DeliveryRow extends Omit<DeliveryView, 'event_type' | 'status'> {
  event_type: DeliveryView['event_type']
  status: DeliveryView['status']
  created_at: string
}

export interface WebhookServiceOptions {
  /** DNS for the SSRF check; tests inject one. */
  resolve?: Resolver
  /** How long registration waits for DNS before accepting the URL unjudged (delivery checks again). */
  lookupTimeoutMs?: number
}

const toView = (row: WebhookRow): WebhookView => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events) as EventType[],
  active: row.active === 1,
  created_at: row.created_at,
})

const invalidUrl = (message: string) =>
  new ValidationFailedError(`The webhook URL is not acceptable: ${message}.`, [{ path: '/url', message, in: 'body' }])

/**
 * Parses and vets a target URL: http(s), no credentials, and (unless private targets are allowed)
 * a host that is not, and does not resolve to, a loopback/private/link-local address.
 * Returns the normalised URL that will be stored and called.
 */
export async function vetTargetUrl(
  raw: string,
  options: { allowPrivate: boolean; resolve: Resolver; lookupTimeoutMs: number; onRefused?: (reason: string) => void },
): Promise<string> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalidUrl('must be an absolute http or https URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl('the scheme must be http or https')
  if (url.username || url.password) throw invalidUrl('must not contain credentials (user:password@)')
  if (!url.hostname) throw invalidUrl('must name a host')
  if (url.href.length > URL_MAX) throw invalidUrl(`must be at most ${URL_MAX} characters once normalised`)
  if (!options.allowPrivate) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const verdict = await Promise.race([
      inspectTarget(url, options.resolve),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), options.lookupTimeoutMs)
      }),
    ])
      // A name that doesn't resolve (yet) is accepted: every delivery resolves and checks again.
      .catch(() => null)
      .finally(() => clearTimeout(timer))
    if (verdict && !verdict.ok) {
      options.onRefused?.(verdict.reason)
      throw invalidUrl(`${verdict.reason}; webhook targets must be public addresses (WEBHOOK_ALLOW_PRIVATE=true allows private ones)`)
    }
  }
  return url.href
}

export function createWebhookService(ctx: AppContext, options: WebhookServiceOptions = {}) {
  const { sqlite, clock, config } = ctx
  const resolve = options.resolve ?? systemResolver
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 3_000

  const insert = sqlite.prepare<void, [string, string, string, string, string, string]>(
    'INSERT INTO webhooks (id, url, events, secret, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
  )
  const columns = 'id, url, events, active, created_at'
  const selectOne = sqlite.prepare<WebhookRow, [string]>(`SELECT ${columns} FROM webhooks WHERE id = ?`)
  const selectPage = sqlite.prepare<WebhookRow, [number]>(
    `SELECT ${columns} FROM webhooks ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
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

  /** Keyset page: fetches one row more than asked to know whether another page exists. */
  function page<R extends { id: string; created_at: string }>(rows: R[], limit: number) {
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    return { items, next_cursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null }
  }

  function requireWebhook(id: string): WebhookRow {
    const row = selectOne.get(id)
    if (!row) throw new NotFoundError('No such webhook.')
    return row
  }

  return {
    async create(input: { url: string; events: EventType[] }, requestId?: string): Promise<CreatedWebhookView> {
      const onRefused = (reason: string) =>
        logSecurityEvent(ctx.logger, 'ssrf_refused', { request_id: requestId, url: input.url, reason }, 'webhook target refused')
      const url = await vetTargetUrl(input.url, { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, resolve, lookupTimeoutMs, onRefused })
      const id = Bun.randomUUIDv7()
      const secret = generateSecret()
      const now = clock.now().toISOString()
      insert.run(id, url, JSON.stringify(input.events), secret, now, now)
      return { ...toView(requireWebhook(id)), secret }
    },

    list(query: { limit?: number; cursor?: string }) {
      const limit = query.limit ?? 20
      const rows = query.cursor
        ? selectPageAfter.all(...(decodeCursor(query.cursor, ['string', 'string']) as [string, string]), limit + 1)
        : selectPage.all(limit + 1)
      const { items, next_cursor } = page(rows, limit)
      return { items: items.map(toView), next_cursor }
    },

    get: (id: string): WebhookView => toView(requireWebhook(id)),

    /**
     * Deletes the webhook and, by cascade, its deliveries: nothing more is sent to it, and its
     * secret is gone. An attempt already in flight finishes, but its outcome has no row to land on.
     */
    remove(id: string) {
      requireWebhook(id)
      deleteOne.run(id)
    },

    deliveries(id: string, query: { limit?: number; cursor?: string }) {
      requireWebhook(id)
      const limit = query.limit ?? 20
      const rows = query.cursor
        ? selectDeliveriesAfter.all(id, ...(decodeCursor(query.cursor, ['string', 'string']) as [string, string]), limit + 1)
        : selectDeliveries.all(id, limit + 1)
      const { items, next_cursor } = page(rows, limit)
      return { items: items.map(({ created_at: _, ...delivery }) => delivery), next_cursor }
    },
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
