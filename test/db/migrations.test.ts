import { Database } from 'bun:sqlite'
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readMigrationsFolder } from '../../src/db/embed.ts'
import { isMigrated, migrate } from '../../src/db/migrate.ts'
import { migrations as embedded } from '../../src/db/migrations.gen.ts'
import { migrations as embeddedPg } from '../../src/db/pg/migrations.gen.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('embedded migrations', () => {
  test('match the drizzle-kit folders of both dialects (run `bun run db:generate` after a schema change)', async () => {
    const sqliteFolder = await readMigrationsFolder(new URL('../../migrations/sqlite/', import.meta.url).pathname)
    expect(embedded).toEqual(sqliteFolder)
    const pgFolder = await readMigrationsFolder(new URL('../../migrations/pg/', import.meta.url).pathname)
    expect(embeddedPg).toEqual(pgFolder)
  })

  test('apply once, idempotently, leaving the database migrated', () => {
    const sqlite = new Database(':memory:')
    expect(isMigrated(sqlite)).toBe(false)
    expect(migrate(sqlite)).toEqual(embedded.map((m) => m.tag))
    expect(migrate(sqlite)).toEqual([])
    expect(isMigrated(sqlite)).toBe(true)
    const tables = sqlite.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all()
    expect(tables.map((t) => t.name)).toContain('products_fts')
  })

  test('a failing migration applies nothing', () => {
    const sqlite = new Database(':memory:')
    const broken = [...embedded, { tag: '9999_broken', when: Date.now() + 1, sql: 'CREATE TABLE ok_table (a);\n--> statement-breakpoint\nNOT SQL' }]
    expect(() => migrate(sqlite, broken)).toThrow()
    const tables = sqlite.query("SELECT name FROM sqlite_master WHERE name IN ('users', 'ok_table')").all()
    expect(tables).toEqual([])
  })
})
