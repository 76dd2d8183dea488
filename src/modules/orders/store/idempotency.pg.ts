import type { SQL } from 'bun'
import type { Clock } from '../../../lib/clock.ts'
import { KEY_LIFETIME_MS } from '../idempotency.ts'

export type KeyClaim = { claimed: true } | { claimed: false; requestHash: string; responseBody: string }

/*
 * The PostgreSQL twin of idempotency.ts. A key is claimed first thing in the order's transaction
 * (inserted with an empty response, filled in before COMMIT): a concurrent request with the same
 * key waits on the claim, then finds the committed response and replays it, exactly as it would
 * behind SQLite's single writer; if the first attempt fails, its claim rolls back with it and the
 * waiting one goes on. Only 201s are stored.
 */
export function createPgIdempotencyStore(clock: Clock) {
  const expiredBefore = () => new Date(clock.now().getTime() - KEY_LIFETIME_MS).toISOString()

  return {
    /**
     * Claims (user, key) in `tx`, taking over an expired one; otherwise returns the remembered
     * response (committed: the claim waited for any transaction still holding the key).
     */
    async claim(tx: SQL, userId: string, key: string, hash: string): Promise<KeyClaim> {
      const claimed = await tx`
        INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body, created_at)
        VALUES (${userId}, ${key}, ${hash}, 201, '', ${clock.now().toISOString()})
        ON CONFLICT (user_id, key) DO UPDATE
          SET request_hash = excluded.request_hash, response_body = excluded.response_body, created_at = excluded.created_at
          WHERE idempotency_keys.created_at <= ${expiredBefore()}
        RETURNING 1 AS claimed`
      if (claimed.length === 1) return { claimed: true }
      // A new statement: its snapshot sees the row the conflict waited for.
      const [row] = await tx`SELECT request_hash, response_body FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`
      // Unreachable: the conflict locked the row for this transaction.
      if (!row) throw new Error('The Idempotency-Key row vanished while locked.')
      return { claimed: false, requestHash: row.request_hash, responseBody: row.response_body }
    },
    /** Stores the response of a claimed key; starts the statement (to await with the others before COMMIT). */
    remember(tx: SQL, userId: string, key: string, body: string) {
      return tx`UPDATE idempotency_keys SET response_body = ${body} WHERE user_id = ${userId} AND key = ${key}`.execute()
    },
    /** Deletes keys older than their lifetime; returns how many (the scheduler's sweep job). */
    async sweep(sql: SQL): Promise<number> {
      return (await sql`DELETE FROM idempotency_keys WHERE created_at <= ${expiredBefore()}`).count
    },
  }
}
