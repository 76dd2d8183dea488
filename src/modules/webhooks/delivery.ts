import { version } from '../../../package.json'
import { parseRetryAfter } from '../../lib/backoff.ts'
import { inspectTarget, type Resolver } from '../../lib/ssrf.ts'
import { signatureHeaders } from './signing.ts'

/** What one attempt came to; the worker turns it into the delivery's next state. */
export type AttemptOutcome =
  | { result: 'delivered'; statusCode: number }
  /** Worth trying again later (network error, timeout, 408, 429, 5xx). */
  | { result: 'retry'; statusCode: number | null; error: string; retryAfterMs?: number }
  /** Final: retrying can't help (another 4xx, a redirect, a refused target). */
  | { result: 'failed'; statusCode: number | null; error: string; refused?: string }

export interface AttemptRequest {
  url: string
  secret: string
  eventId: string
  body: string
}

export interface AttemptOptions {
  now: Date
  timeoutMs: number
  allowPrivate: boolean
  resolve: Resolver
}

const USER_AGENT = `Kiosk-Webhooks/${version}`
const SNIPPET_BYTES = 256

/** The first bytes of an error response, for last_error; never waits past the attempt's deadline. */
async function snippet(response: Response): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // A body cut off or timed out is still a status code worth recording.
  } finally {
    reader.cancel().catch(() => {})
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES)).replace(/\s+/g, ' ').trim()
  return text ? `: ${text}` : ''
}

const rejectOnAbort = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })

const describe = (error: unknown) =>
  error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)

/**
 * Where a checked http request really goes: to the address just checked (with the original Host),
 * so a DNS answer that changes between check and connect (rebinding) can't send it elsewhere.
 * https is left alone: its certificate must match the name, which an internal host's won't.
 */
export function pinToAddress(target: URL, addresses: string[]): { url: URL; host?: string } {
  if (target.protocol !== 'http:' || addresses.length === 0) return { url: target }
  // IPv4 first: a host without IPv6 routing would fail where an ordinary connect falls back.
  const address = addresses.find((a) => !a.includes(':')) ?? addresses[0]!
  const url = new URL(target)
  url.hostname = address.includes(':') ? `[${address}]` : address
  return { url, host: target.host }
}

/**
 * One delivery attempt: check the target (unless private targets are allowed), sign, POST, and
 * classify the answer. Never throws. The whole attempt (DNS, connect, response headers) shares one
 * deadline of `timeoutMs`.
 */
export async function attemptDelivery(request: AttemptRequest, options: AttemptOptions): Promise<AttemptOutcome> {
  const signal = AbortSignal.timeout(options.timeoutMs)
  const timedOut = () => ({ result: 'retry' as const, statusCode: null, error: `timed out after ${options.timeoutMs} ms` })
  const target = new URL(request.url)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...signatureHeaders(request.secret, request.eventId, options.now, request.body),
  }
  let requestUrl = target

  if (!options.allowPrivate) {
    // DNS may have changed since registration, so the target is judged again at every attempt.
    let verdict
    try {
      verdict = await Promise.race([inspectTarget(target, options.resolve), rejectOnAbort(signal)])
    } catch (error) {
      if (signal.aborted) return timedOut()
      return { result: 'retry', statusCode: null, error: `DNS lookup failed: ${describe(error)}` }
    }
    if (!verdict.ok) {
      return { result: 'failed', statusCode: null, error: `target refused, no request sent: ${verdict.reason}`, refused: verdict.reason }
    }
    const pinned = pinToAddress(target, verdict.addresses)
    requestUrl = pinned.url
    if (pinned.host) headers.host = pinned.host
  }

  let response: Response
  try {
    response = await fetch(requestUrl, { method: 'POST', body: request.body, headers, redirect: 'manual', signal })
  } catch (error) {
    if (signal.aborted) return timedOut()
    return { result: 'retry', statusCode: null, error: `network error: ${describe(error)}` }
  }

  const code = response.status
  if (code >= 200 && code < 300) {
    response.body?.cancel().catch(() => {})
    return { result: 'delivered', statusCode: code }
  }
  if (code >= 300 && code < 400) {
    response.body?.cancel().catch(() => {})
    const location = response.headers.get('location')
    return {
      result: 'failed',
      statusCode: code,
      error: `HTTP ${code}: redirects are not followed${location ? ` (Location: ${location})` : ''}`,
    }
  }
  const error = `HTTP ${code}${await snippet(response)}`
  if (code === 408 || code === 429 || (code >= 500 && code < 600)) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.now)
    return { result: 'retry', statusCode: code, error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }
  }
  return { result: 'failed', statusCode: code, error }
}
