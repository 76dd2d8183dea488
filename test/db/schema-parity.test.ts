import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import * as pg from '../../src/db/schema.pg.ts'
import * as sqlite from '../../src/db/schema.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The two schemas can't drift: every table, column, index, primary key and foreign key of one is in
 * the other, except the differences schema.pg.ts documents (one line each below).
 */
const ONLY_SQLITE = { tables: ['cache_changes'], columns: { products: ['category_key'] } as Record<string, string[]>, indexes: {} as Record<string, string[]> }
const ONLY_PG = { tables: ['files'], columns: { products: ['search', 'name_search', 'seq'] } as Record<string, string[]>, indexes: { products: ['products_search_idx', 'products_name_search_idx', 'products_seq_idx'] } as Record<string, string[]> }

interface Shape {
  columns: string[]
  notNull: string[]
  indexes: string[]
  unique: string[]
  primaryKey: string[]
  foreignKeys: string[]
}

const sqliteTables = new Map(
  (Object.values(sqlite) as unknown[])
    .filter((value): value is SQLiteTable => value instanceof SQLiteTable)
    .map((table) => {
      const c = sqliteTableConfig(table)
      const shape: Shape = {
        columns: c.columns.map((col) => col.name).sort(),
        notNull: c.columns.filter((col) => col.notNull).map((col) => col.name).sort(),
        indexes: c.indexes.map((i) => i.config.name).sort(),
        unique: c.indexes.filter((i) => i.config.unique).map((i) => i.config.name).sort(),
        primaryKey: [...c.columns.filter((col) => col.primary).map((col) => col.name), ...c.primaryKeys.flatMap((pk) => pk.columns.map((col) => col.name))].sort(),
        foreignKeys: c.foreignKeys.map((fk) => {
          const ref = fk.reference()
          return `${ref.columns.map((col) => col.name).join(',')} -> ${sqliteTableConfig(ref.foreignTable).name}(${ref.foreignColumns.map((col) => col.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`
        }).sort(),
      }
      return [c.name, shape] as const
    }),
)

const pgTables = new Map(
  (Object.values(pg) as unknown[])
    .filter((value): value is PgTable => value instanceof PgTable)
    .map((table) => {
      const c = pgTableConfig(table)
      const shape: Shape = {
        columns: c.columns.map((col) => col.name).sort(),
        notNull: c.columns.filter((col) => col.notNull).map((col) => col.name).sort(),
        indexes: c.indexes.map((i) => i.config.name!).sort(),
        unique: c.indexes.filter((i) => i.config.unique).map((i) => i.config.name!).sort(),
        primaryKey: [...c.columns.filter((col) => col.primary).map((col) => col.name), ...c.primaryKeys.flatMap((pk) => pk.columns.map((col) => col.name))].sort(),
        foreignKeys: c.foreignKeys.map((fk) => {
          const ref = fk.reference()
          return `${ref.columns.map((col) => col.name).join(',')} -> ${pgTableConfig(ref.foreignTable).name}(${ref.foreignColumns.map((col) => col.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`
        }).sort(),
      }
      return [c.name, shape] as const
    }),
)

const without = (list: string[], drop: string[] = []) => list.filter((item) => !drop.includes(item))

describe('the SQLite and PostgreSQL schemas', () => {
  test('have the same tables, but for the documented ones', () => {
    expect(without([...sqliteTables.keys()], ONLY_SQLITE.tables).sort()).toEqual(without([...pgTables.keys()], ONLY_PG.tables).sort())
    expect(sqliteTables.size).toBe(20)
  })

  for (const [name, lite] of sqliteTables) {
    if (ONLY_SQLITE.tables.includes(name)) continue
    test(`${name}: the same columns, NOT NULLs, indexes, keys and foreign keys`, () => {
      const twin = pgTables.get(name)!
      const onlyPgColumns = ONLY_PG.columns[name] ?? []
      expect(without(twin.columns, onlyPgColumns)).toEqual(without(lite.columns, ONLY_SQLITE.columns[name]))
      expect(without(twin.notNull, onlyPgColumns)).toEqual(lite.notNull)
      expect(without(twin.indexes, ONLY_PG.indexes[name])).toEqual(without(lite.indexes, ONLY_SQLITE.indexes[name]))
      expect(twin.unique).toEqual(lite.unique)
      expect(twin.primaryKey).toEqual(lite.primaryKey)
      expect(twin.foreignKeys).toEqual(lite.foreignKeys)
    })
  }
})
