import type { SQL } from 'bun'
import type { Clock } from '../../lib/clock.ts'
import type { EventType } from '../schema.ts'

/**
 * The transactional outbox on PostgreSQL: the twin of src/db/outbox.ts, with the same row
 * contract (id = UUIDv7 event id, type, payload = JSON of the event's data, created_at ISO 8601).
 * `record` takes the transaction of the change, so the event commits if and only if the change does.
 */
export function createPgOutbox(clock: Clock) {
  return {
    /**
     * Records an event in `tx`; returns the event id and its insert, already started (it runs
     * pipelined behind the transaction's earlier statements): await `written` before COMMIT.
     */
    record(tx: SQL, type: EventType, data: unknown): { id: string; written: Promise<unknown> } {
      const id = Bun.randomUUIDv7()
      const written = tx`INSERT INTO outbox (id, type, payload, created_at) VALUES (${id}, ${type}, ${JSON.stringify(data)}, ${clock.now().toISOString()})`.execute()
      return { id, written }
    },
  }
}

export type PgOutbox = ReturnType<typeof createPgOutbox>
