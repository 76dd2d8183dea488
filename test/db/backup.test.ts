import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { backupDatabase, BackupError } from '../../src/db/backup.ts'
import { backupDatabaseOffThread } from '../../src/jobs/backup-runner.ts'
import { createTestApp, createUser } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())
await createUser(t)
await createUser(t)
const source = t.ctx.config.DATABASE_PATH

describe('backupDatabase', () => {
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
