import type { Database } from 'bun:sqlite'
import type { Clock } from '../lib/clock.ts'
import type { EventType } from './schema.ts'

/**
 * The transactional outbox. A change that other systems must hear about records its event here,
 * inside the same transaction as the change itself, so an event exists if and only if the change
 * committed. The webhook worker fans events out to deliveries later.
 *
 * Row contract (what the webhook worker relies on): `id` is the event id (UUIDv7, also the
 * `webhook-id` receivers de-duplicate on), `type`, `payload` is the JSON of the event's `data`,
 * `created_at` ISO 8601. The delivered body is `{ id, type, created_at, data }`.
 */
export function createOutbox(sqlite: Database, clock: Clock) {
  const insert = sqlite.prepare<void, [string, string, string, string]>(
    'INSERT INTO outbox (id, type, payload, created_at) VALUES (?, ?, ?, ?)',
  )
  return {
    /** Records an event; call inside the transaction of the change. Returns the event id. */
    record(type: EventType, data: unknown): string {
      const id = Bun.randomUUIDv7()
      insert.run(id, type, JSON.stringify(data), clock.now().toISOString())
      return id
    },
  }
}

export type Outbox = ReturnType<typeof createOutbox>
