import type { Logger } from './logger.ts'

/*
 * Security events, at `warn`, one JSON line each with `security: <event>` and the request id
 * when there is a request: what an operator alerts on. Never a password or a token in them.
 */

export type SecurityEvent =
  /** A (account, address) pair, an address or an account reached its failed-login limit. */
  | 'login_locked'
  /** A request refused by a rate limit (sampled: see createLogSampler). */
  | 'rate_limited'
  /** A rotated refresh token was presented again: its whole family was revoked. */
  | 'refresh_token_reuse'
  /** A webhook target refused by the SSRF guard (at registration or at a delivery attempt). */
  | 'ssrf_refused'
  /** A webhook endpoint whose last attempt succeeded (or that never had one) started failing. */
  | 'webhook_failing'

export function logSecurityEvent(logger: Logger, event: SecurityEvent, fields: Record<string, unknown>, message: string) {
  logger.warn({ security: event, ...fields }, message)
}

/**
 * At most one line per key per interval, so a flood of refusals costs a few lines: `take` answers
 * how many events of the key were skipped since its last line (0 or more), or null to skip this one.
 * Bounded memory: at most `maxKeys` keys are remembered.
 */
export function createLogSampler(intervalMs: number, maxKeys = 10_000) {
  const lastLogged = new Map<string, { at: number; skipped: number }>()
  return {
    take(key: string, now: number): number | null {
      const entry = lastLogged.get(key)
      if (entry && now - entry.at < intervalMs) {
        entry.skipped++
        return null
      }
      if (!entry && lastLogged.size >= maxKeys) lastLogged.delete(lastLogged.keys().next().value!)
      lastLogged.set(key, { at: now, skipped: 0 })
      return entry?.skipped ?? 0
    },
  }
}
