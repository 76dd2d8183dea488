import type { Database } from 'bun:sqlite'
import type { Clock } from '../../lib/clock.ts'

/** How long an Idempotency-Key is remembered. */
export const KEY_LIFETIME_MS = 24 * 3_600_000

/**
 * The request's identity for Idempotency-Key: SHA-256 of its meaningful content only (lines and
 * note, in order), so unknown fields — which are ignored anyway — don't make a retry "different".
 */
export function requestHash(input: { items: { product_id: string; quantity: number }[]; note?: string }): string {
  const canonical = JSON.stringify({ items: input.items.map((line) => [line.product_id, line.quantity]), note: input.note ?? null })
  return new Bun.CryptoHasher('sha256').update(canonical).digest('hex')
}

/** Stored first responses per (user, key). Only 201s are stored: a failed attempt may be retried with the same key. */
export function createIdempotencyStore(sqlite: Database, clock: Clock) {
  const select = sqlite.prepare<{ request_hash: string; response_body: string; created_at: string }, [string, string]>(
    'SELECT request_hash, response_body, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?',
  )
  const remove = sqlite.prepare<void, [string, string]>('DELETE FROM idempotency_keys WHERE user_id = ? AND key = ?')
  const insert = sqlite.prepare<void, [string, string, string, number, string, string]>(
    'INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const expiredBefore = () => new Date(clock.now().getTime() - KEY_LIFETIME_MS).toISOString()

  return {
    /** The remembered response, or undefined when the key is new or has expired (an expired one is forgotten). */
    find(userId: string, key: string) {
      const row = select.get(userId, key)
      if (!row) return undefined
      if (row.created_at <= expiredBefore()) {
        remove.run(userId, key)
        return undefined
      }
      return { requestHash: row.request_hash, responseBody: row.response_body }
    },
    remember(userId: string, key: string, hash: string, status: number, body: string) {
      insert.run(userId, key, hash, status, body, clock.now().toISOString())
    },
    /** Deletes keys older than their lifetime; returns how many (the scheduler's sweep job). */
    sweep(): number {
      return sqlite.run('DELETE FROM idempotency_keys WHERE created_at <= ?', [expiredBefore()]).changes
    },
  }
}
