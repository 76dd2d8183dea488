import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { backupDatabase, BackupError } from '../../src/db/backup.ts'
import { backupDatabaseOffThread } from '../../src/jobs/backup-runner.ts'
import { emptyFolder, runKiosk } from '../e2e/harness.ts'
import { createTestApp, createUser, insertProduct, sqliteOf } from '../helpers.ts'
import { onPostgres, TEST_POSTGRES_URL } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())
await createUser(t)
await createUser(t)
const source = t.ctx.config.DATABASE_PATH

// backupDatabase copies the SQLite file (the backup API, integrity_check): nothing of it exists on PostgreSQL.
describe.skipIf(onPostgres)('backupDatabase', () => {
  test('writes a verified copy with every row, while the source stays open', () => {
    const target = join(t.dir, 'copy.db')
    const result = backupDatabase(source, target)
    expect(result).toMatchObject({ path: target, integrity: 'ok' })
    expect(result.bytes).toBeGreaterThan(0)
    const copy = new Database(target, { readonly: true })
    try {
      expect(copy.query('SELECT count(*) AS n FROM users').get()).toEqual({ n: 2 })
      expect(copy.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'delete' })
    } finally {
      copy.close()
    }
  })

  // The full-text indexes (and the relevance order) name products by rowid, which products has no
  // INTEGER PRIMARY KEY to pin: VACUUM INTO must keep every rowid, gaps included, or a restored
  // database would find the wrong products.
  test('keeps every product rowid, gaps included, so the copy\'s full-text indexes still match their rows', async () => {
    const products = await Promise.all(Array.from({ length: 9 }, (_, i) => insertProduct(t, { name: `Backup oak ${i}` })))
    const sqlite = sqliteOf(t)
    sqlite.run('DELETE FROM products WHERE id IN (?, ?, ?)', [products[1]!.id, products[4]!.id, products[7]!.id])
    const rows = () => 'SELECT rowid, id FROM products ORDER BY rowid'
    const before = sqlite.query(rows()).all()
    const target = join(t.dir, 'rowids.db')
    backupDatabase(source, target)
    const copy = new Database(target)
    try {
      expect(copy.query(rows()).all()).toEqual(before)
      for (const table of ['products_fts', 'products_name_fts']) copy.run(`INSERT INTO ${table}(${table}) VALUES ('integrity-check')`)
      const found = copy.query("SELECT p.id FROM products_name_fts JOIN products p ON p.rowid = products_name_fts.rowid WHERE products_name_fts MATCH 'backup' ORDER BY p.rowid").all()
      expect(found).toEqual([0, 2, 3, 5, 6, 8].map((i) => ({ id: products[i]!.id })))
    } finally {
      copy.close()
    }
  })

  test('refuses a target that exists and leaves it untouched', () => {
    const target = join(t.dir, 'precious.db')
    writeFileSync(target, 'do not overwrite me')
    expect(() => backupDatabase(source, target)).toThrow(new BackupError(`${target} already exists; refusing to overwrite it`))
    expect(readFileSync(target, 'utf8')).toBe('do not overwrite me')
  })

  test('creates a missing folder (a fresh install has no backups folder yet)', () => {
    const target = join(t.dir, 'missing', 'nested', 'copy.db')
    expect(backupDatabase(source, target)).toMatchObject({ path: target, integrity: 'ok' })
    expect(existsSync(target)).toBe(true)
  })

  test('refuses a folder that is a file', () => {
    const file = join(t.dir, 'a-file')
    writeFileSync(file, '')
    expect(() => backupDatabase(source, join(file, 'copy.db'))).toThrow(`cannot create the folder ${file}`)
  })

  test('refuses when there is no database to copy', () => {
    expect(() => backupDatabase(join(t.dir, 'nope.db'), join(t.dir, 'copy2.db'))).toThrow(/no database at/)
    expect(existsSync(join(t.dir, 'nope.db'))).toBe(false)
    expect(existsSync(join(t.dir, 'copy2.db'))).toBe(false)
  })

  test('off the thread, gives the same copy and the same refusals', async () => {
    const target = join(t.dir, 'threaded.db')
    expect(await backupDatabaseOffThread(source, target)).toMatchObject({ path: target, integrity: 'ok' })
    const error = await backupDatabaseOffThread(source, target).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BackupError)
    expect((error as Error).message).toContain('already exists')
  })

  test('leaves no temp file behind', () => {
    expect(readdirSync(t.dir).filter((name) => name.includes('.partial'))).toEqual([])
  })
})

// On either pass: with DATABASE_URL set the commands refuse before touching anything, naming the
// PostgreSQL tools that do their job there (src/cli/sqlite-only.ts).
describe('kiosk backup and kiosk restore with DATABASE_URL set', () => {
  const env = { DATABASE_URL: TEST_POSTGRES_URL, JWT_SECRET: 'backup-test-secret-that-is-long-enough!!' }

  test('kiosk backup exits 1 naming pg_dump, and writes no file', async () => {
    const dir = emptyFolder()
    const result = await runKiosk(['backup', 'copy.db'], { dir, env })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('DATABASE_URL is set')
    expect(result.stderr).toContain('pg_dump')
    expect(readdirSync(dir)).toEqual([])
  })

  test('kiosk restore exits 1 naming pg_restore, and changes nothing', async () => {
    const dir = emptyFolder()
    writeFileSync(join(dir, 'copy.db'), 'not even looked at')
    const result = await runKiosk(['restore', 'copy.db'], { dir, env })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('DATABASE_URL is set')
    expect(result.stderr).toContain('pg_restore')
    expect(readdirSync(dir)).toEqual(['copy.db'])
    expect(readFileSync(join(dir, 'copy.db'), 'utf8')).toBe('not even looked at')
  })
})
