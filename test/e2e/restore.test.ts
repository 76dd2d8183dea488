import { Database } from 'bun:sqlite'
import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrations } from '../../src/db/migrations.gen.ts'
import { onPostgres } from '../postgres.ts'
import { seedDataFolder } from './data-folder.ts'
import { emptyFolder, runKiosk, startKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const countUsers = (path: string) => {
  const db = new Database(path, { readonly: true })
  try {
    return db.query<{ n: number }, []>('SELECT count(*) AS n FROM users').get()!.n
  } finally {
    db.close()
  }
}

// Restoring swaps the SQLite file; with DATABASE_URL kiosk restore refuses, naming pg_restore
// (test/db/backup.test.ts), so this suite is about SQLite only.
describe.skipIf(onPostgres)('kiosk restore FILE (issue 16)', () => {
  test('refused while a server owns the data folder; then restores, keeping the replaced database', async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'user' }] })
    const { dir, env } = seeded
    const database = join(dir, 'data', 'kiosk.db')
    const kiosk = await startKiosk({ dir, env })
    // data/backups does not exist yet, as on a fresh install: backup makes it.
    const backup = await runKiosk(['backup', 'data/backups/first.db'], { dir, env })
    expect(backup.code).toBe(0)

    const refused = await runKiosk(['restore', 'data/backups/first.db'], { dir, env })
    expect(refused.code).toBe(69)
    expect(refused.stderr).toStartWith(`kiosk: restore refused: the data folder ${join(dir, 'data')} is in use by another kiosk (pid ${kiosk.process.pid}, "kiosk serve"`)
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(await kiosk.stop()).toBe(0)

    // A change after the backup, which the restore rolls back.
    const db = new Database(database)
    db.run("UPDATE users SET name = 'after the backup'")
    db.close()

    const restored = await runKiosk(['restore', 'data/backups/first.db'], { dir, env })
    expect(restored.stderr).toBe('')
    expect(restored.code).toBe(0)
    const [kept] = readdirSync(join(dir, 'data')).filter((name) => /^kiosk-before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.db$/.test(name))
    expect(kept).toBeDefined()
    expect(restored.stdout).toMatch(
      new RegExp(`^restored data/backups/first\\.db into ${database.replace(/[.]/g, '\\.')} \\(\\d+ bytes, integrity ok, last migration ${migrations.at(-1)!.tag}\\)\\n`),
    )
    expect(restored.stdout).toContain(`the previous database is kept as ${join(dir, 'data', kept!)}\n`)

    const names = (path: string) => {
      const handle = new Database(path, { readonly: true })
      try {
        return handle.query<{ name: string }, []>('SELECT name FROM users').all().map((row) => row.name)
      } finally {
        handle.close()
      }
    }
    expect(names(database)).toEqual(['user 0'])
    expect(names(join(dir, 'data', kept!))).toEqual(['after the backup'])

    const again = await startKiosk({ dir, env })
    try {
      expect((await fetch(`${again.url}/health/ready`)).status).toBe(200)
    } finally {
      await again.stop()
    }
  })

  test('refuses what is not a sound Kiosk database, changing nothing', async () => {
    const { dir, env } = await seedDataFolder({ users: [{ role: 'user' }] })
    const database = join(dir, 'data', 'kiosk.db')

    writeFileSync(join(dir, 'garbage.db'), 'this is not a database at all, just text that is long enough'.repeat(100))
    const other = new Database(join(dir, 'other.db'))
    other.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    other.close()
    const newer = new Database(join(dir, 'newer.db'))
    newer.run('CREATE TABLE "__drizzle_migrations" (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)')
    newer.run('INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)', ['x', migrations.at(-1)!.when + 1])
    newer.close()

    // A Kiosk database whose first page claims 32767 cells: SQLite finds it malformed.
    const sound = emptyFolder()
    expect((await runKiosk(['migrate'], { dir: sound })).code).toBe(0)
    const bytes = readFileSync(join(sound, 'data', 'kiosk.db'))
    bytes.writeUInt16BE(0x7fff, 103)
    writeFileSync(join(dir, 'corrupt.db'), bytes)

    const cases: [string, string][] = [
      ['corrupt.db', `kiosk restore: ${join(dir, 'corrupt.db')} failed its integrity check: database disk image is malformed\n`],
      ['missing.db', `kiosk restore: ${join(dir, 'missing.db')} is not a file\n`],
      ['garbage.db', `kiosk restore: ${join(dir, 'garbage.db')} is not a SQLite database (file is not a database)\n`],
      ['other.db', `kiosk restore: ${join(dir, 'other.db')} is not a Kiosk database (no migrations recorded)\n`],
      ['newer.db', `kiosk restore: ${join(dir, 'newer.db')} has migrations this kiosk does not know (made by a newer version); use that version\n`],
    ]
    for (const [file, message] of cases) {
      const result = await runKiosk(['restore', file], { dir, env })
      expect({ file, code: result.code, stderr: result.stderr }).toEqual({ file, code: 1, stderr: message })
    }
    // No copy kept, no temp file left: nothing was swapped.
    expect(readdirSync(join(dir, 'data')).filter((name) => name.includes('restore'))).toEqual([])
    expect(countUsers(database)).toBe(1)
  })
})
