import type { Database } from 'bun:sqlite'
import type { RawRow } from '../../../db/rows.ts'
import type { idempotencyKeys } from '../../../db/schema.ts'
import type { Clock } from '../../../lib/clock.ts'
import { KEY_LIFETIME_MS } from '../idempotency.ts'

/** Stored first responses per (user, key). Only 201s are stored: a failed attempt may be retried with the same key. */
export function createIdempotencyStore(sqlite: Database, clock: Clock) {
  const select = sqlite.prepare<Pick<RawRow<typeof idempotencyKeys>, 'request_hash' | 'response_body' | 'created_at'>, [string, string]>(
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
