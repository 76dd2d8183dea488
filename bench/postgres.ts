/**
 * The PostgreSQL side of `bun run bench`: a database on the given server holding a copy of the
 * SQLite bench data (same ids, so every scenario's fixture works on both), made before the rounds
 * and dropped after. Kiosk on it is one more peer of the read and order scenarios.
 */
import { Database } from 'bun:sqlite'
import { SQL } from 'bun'
import { migratePostgres } from '../src/db/pg/migrate.ts'

/** The tables the bench reads and writes, parents first; booleans converted from SQLite's 0/1. */
const TABLES: { name: string; booleans: string[] }[] = [
  { name: 'users', booleans: ['active'] },
  { name: 'products', booleans: ['active'] },
  { name: 'orders', booleans: [] },
  { name: 'order_items', booleans: [] },
  { name: 'order_events', booleans: [] },
]

export interface BenchPostgres {
  url: string
  drop(): Promise<void>
}

/** Reachable → a copy of the SQLite bench database on it; unreachable → why not. */
export async function copyToPostgres(adminUrl: string, sqlitePath: string): Promise<BenchPostgres | { missing: string }> {
  const admin = new SQL(adminUrl, { max: 1, connectionTimeout: 3 })
  try {
    await admin`SELECT 1`
  } catch (error) {
    await admin.close()
    return { missing: `no PostgreSQL at ${adminUrl}: ${(error as Error).message}` }
  }
  const name = `kiosk_bench_${Date.now().toString(36)}`
  await admin.unsafe(`CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const sql = new SQL(url.toString(), { max: 2 })
  const sqlite = new Database(sqlitePath, { readonly: true })
  try {
    await migratePostgres(sql)
    for (const { name: table, booleans } of TABLES) {
      // Stored columns only: table_info leaves out generated ones (products.category_key), which PostgreSQL has not.
      const columns = sqlite.query<{ name: string }, []>(`PRAGMA table_info(${table})`).all().map((column) => `"${column.name}"`)
      const rows = sqlite.query<Record<string, unknown>, []>(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY rowid`).all()
      for (const row of rows) for (const column of booleans) row[column] = row[column] === 1
      for (let i = 0; i < rows.length; i += 1000) await sql`INSERT INTO ${sql(table)} ${sql(rows.slice(i, i + 1000))}`
    }
    await sql`SELECT setval(pg_get_serial_sequence('order_events', 'id'), (SELECT coalesce(max(id), 1) FROM order_events))`
    await sql`ANALYZE`
  } finally {
    sqlite.close()
    await sql.close()
  }
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.close()
    },
  }
}
