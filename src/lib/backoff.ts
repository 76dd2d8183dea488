/*
 * Retry timing: exponential backoff with full jitter (a random delay between 0 and the
 * exponential ceiling, so many failing clients don't retry in lockstep), and Retry-After.
 */

export interface BackoffPolicy {
  baseMs: number
  capMs: number
  /** Floor, so an unlucky draw near 0 doesn't retry at once. */
  minMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5_000, capMs: 3_600_000, minMs: 1_000 }

/** The delay before the attempt after `attempt` (1-based) failed; `random` returns [0, 1). */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.max(policy.minMs, Math.floor(random() * ceiling))
}

/** A Retry-After we obey at most this far ahead: a receiver can't park a delivery for a year. */
export const RETRY_AFTER_MAX_MS = 24 * 3_600_000

/**
 * Retry-After (RFC 9110 §10.2.3) as milliseconds from `now`: delay-seconds or an HTTP-date.
 * Undefined when absent or unreadable; clamped to 0..RETRY_AFTER_MAX_MS.
 */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  let ms: number
  if (/^\d+$/.test(text)) ms = Number(text) * 1000
  else {
    // Only the RFC's date forms name a weekday or month; Date.parse would accept much else.
    if (!/^[A-Za-z]{3},? /.test(text) && !/^[A-Za-z]+, \d/.test(text)) return undefined
    const at = Date.parse(text)
    if (Number.isNaN(at)) return undefined
    ms = at - now.getTime()
  }
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, ms))
}
