import type { SQL } from 'bun'
import type { WebhookStore } from './store.ts'
/** WORK IN PROGRESS (being written): the PostgreSQL twin of this module's SQLite store. */
export function createPgWebhookStore(_sql: SQL): WebhookStore {
  throw new Error('createPgWebhookStore is not built yet')
}
