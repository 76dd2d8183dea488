import type { OrderStatus } from './schema.ts'

/*
 * What `kiosk seed --demo` (src/cli/demo-data.ts) writes, and the writer it writes through: one
 * interface, built per dialect (demo-store.ts for SQLite, pg/demo-store.ts for PostgreSQL).
 */

export interface DemoUser {
  id: string
  email: string
  name: string
  passwordHash: string
  role: 'user' | 'admin'
  at: string
}

export interface DemoProductRow {
  id: string
  sku: string
  name: string
  description: string
  category: string
  priceCents: number
  stock: number
  active: boolean
  at: string
}

export interface DemoOrderRow {
  id: string
  userId: string
  status: OrderStatus
  totalCents: number
  currency: string
  note: string | null
  createdAt: string
  updatedAt: string
  lines: { productId: string; sku: string; name: string; unitPriceCents: number; quantity: number }[]
  events: { from: OrderStatus | null; to: OrderStatus; at: string; by: string }[]
}

/** Bulk writes straight into the tables, across modules, one transaction per batch. Nothing else writes this way. */
export interface DemoStore {
  countProducts(): Promise<number>
  /** Inserts the account unless its id or email exists; true when it was inserted. */
  insertUserIfNew(account: DemoUser): Promise<boolean>
  userIdByEmail(email: string): Promise<string | undefined>
  countDemoCustomers(): Promise<number>
  /** Active customers, oldest first. */
  activeCustomers(): Promise<{ id: string; createdAt: string }[]>
  /** Inserts each account unless its id or email exists. */
  insertUsers(batch: DemoUser[]): Promise<void>
  insertProducts(batch: DemoProductRow[]): Promise<void>
  /** Orders with their lines (position = index, line total = price × quantity) and status history. */
  insertOrders(batch: DemoOrderRow[]): Promise<void>
}
