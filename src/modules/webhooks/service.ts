import type { AppContext } from '../../context.ts'
import type { EventType } from '../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import { NotFoundError, ValidationFailedError } from '../../lib/errors.ts'
import { logSecurityEvent } from '../../lib/security-log.ts'
import { inspectTarget, systemResolver, type Resolver } from '../../lib/ssrf.ts'
import { URL_MAX, type CreatedWebhookView, type DeliveryView, type WebhookView } from './model.ts'
import { generateSecret } from './signing.ts'
import type { WebhookRow, WebhookStore } from './store.ts'

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

export function createWebhookService(store: WebhookStore, ctx: Pick<AppContext, 'clock' | 'config' | 'logger'>, options: WebhookServiceOptions = {}) {
  const { clock, config } = ctx
  const resolve = options.resolve ?? systemResolver
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 3_000
  const cursorOf = (cursor?: string) => (cursor ? (decodeCursor(cursor, ['string', 'string']) as [string, string]) : undefined)

  /** Keyset page: fetches one row more than asked to know whether another page exists. */
  function page<R extends { id: string; created_at: string }>(rows: R[], limit: number) {
    const items = rows.slice(0, limit)
    const last = items.at(-1)
    return { items, next_cursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null }
  }

  async function requireWebhook(id: string): Promise<WebhookRow> {
    const row = await store.findWebhook(id)
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
      await store.insertWebhook({ id, url, events: input.events, secret, at: now })
      return { ...toView(await requireWebhook(id)), secret }
    },

    async list(query: { limit?: number; cursor?: string }) {
      const limit = query.limit ?? 20
      const rows = await store.listWebhooks(limit + 1, cursorOf(query.cursor))
      const { items, next_cursor } = page(rows, limit)
      return { items: items.map(toView), next_cursor }
    },

    get: async (id: string): Promise<WebhookView> => toView(await requireWebhook(id)),

    /**
     * Deletes the webhook and, by cascade, its deliveries: nothing more is sent to it, and its
     * secret is gone. An attempt already in flight finishes, but its outcome has no row to land on.
     */
    async remove(id: string) {
      await requireWebhook(id)
      await store.deleteWebhook(id)
    },

    async deliveries(id: string, query: { limit?: number; cursor?: string }) {
      await requireWebhook(id)
      const limit = query.limit ?? 20
      const rows = await store.listDeliveries(id, limit + 1, cursorOf(query.cursor))
      const { items, next_cursor } = page(rows, limit)
      return { items: items.map(({ created_at: _, ...delivery }) => delivery), next_cursor }
    },
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
