import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { openWalIndex, type WalIndex } from './wal-index.ts'

/**
 * Without the schema: the stores write their queries with the query builder and never use
 * drizzle's relational `db.query`, whose table map drizzle would otherwise build at every open
 * (~2 ms of each start).
 */
export type Db = BunSQLiteDatabase & { $client: Database }

export interface SqliteHandle {
  dialect: 'sqlite'
  sqlite: Database
  db: Db
  /** The connection's WAL-index watcher (src/db/wal-index.ts), opened at the first call; closed after the connection by close(). */
  walIndex(): WalIndex | undefined
  close(): void
}

/**
 * Opens (creating if needed) the SQLite file with the pragmas Kiosk relies on:
 * WAL so readers never block the writer, temp_store=MEMORY for savepoint journals, synchronous=NORMAL (durable at each checkpoint and
 * crash-safe: WAL with NORMAL never corrupts, and loses at most the last transactions on power
 * loss, not on a process crash or kill), foreign keys on, and a busy timeout for the CLI's
 * second connection (backup, create-admin) while the server runs.
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): SqliteHandle {
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true })
  const sqlite = options.readonly ? new Database(path, { readonly: true }) : new Database(path, { create: true })
  sqlite.exec('PRAGMA busy_timeout = 5000')
  if (!options.readonly) {
    sqlite.exec('PRAGMA journal_mode = WAL')
    sqlite.exec('PRAGMA synchronous = NORMAL')
    // Savepoint journals in memory: group commit gives every order its own SAVEPOINT, and with
    // the default (temp files) each one wrote the pages it first touched to a file: 53 pwrite(2)s
    // per order instead of 7 (strace of bench/order-batches.ts). Its memory is the pages one
    // batch touches. Temp B-trees of this connection live there too; its queries walk indexes
    // (test/modules/**/query-plans) or sort under a LIMIT, and reports run on their own connection.
    sqlite.exec('PRAGMA temp_store = MEMORY')
  }
  sqlite.exec('PRAGMA foreign_keys = ON')
  const db = drizzle({ client: sqlite }) as Db
  let walIndex: WalIndex | undefined | null = null
  return {
    dialect: 'sqlite',
    sqlite,
    db,
    walIndex: () => (walIndex === null ? (walIndex = openWalIndex(sqlite)) : walIndex),
    close() {
      // Folds the WAL back into the main file so a copied database is complete on its own.
      if (!options.readonly) sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)')
      sqlite.close()
      walIndex?.close()
    },
  }
}
