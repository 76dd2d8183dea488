import type { SQL } from 'bun'
import type { DemoStore } from '../demo-store.ts'

/** WORK IN PROGRESS: the PostgreSQL twin of src/db/demo-store.ts. */
export function createPostgresDemoStore(_sql: SQL): DemoStore {
  throw new Error('kiosk seed on PostgreSQL is not built yet')
}
