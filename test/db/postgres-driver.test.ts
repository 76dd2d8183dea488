import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { SQL } from 'bun'
import { openPostgres } from '../../src/db/pg/client.ts'
import { migratePostgres, pendingPostgresMigrations, postgresMigrationStatus } from '../../src/db/pg/migrate.ts'
import { migrations } from '../../src/db/pg/migrations.gen.ts'
import { adminQuery, createTestDatabase, databaseUrl, onPostgres } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * PostgreSQL itself, below the stores: the migrator and Bun's driver. Runs in the PostgreSQL pass
 * (KIOSK_TEST_DATABASE=postgres); the SQLite pass has nothing to run here.
 */
describe.skipIf(!onPostgres)('PostgreSQL migrations', () => {
  const drops: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const drop of drops) await drop()
  })

  test('several processes starting at once migrate once: one applies everything, the others find it done', async () => {
    const empty = await emptyDatabase()
    drops.push(empty.drop)
    const pools = [0, 1, 2].map(() => new SQL(empty.url, { max: 1 }))
    try {
      const results = await Promise.all(pools.map((sql) => migratePostgres(sql)))
      const tags = migrations.map((m) => m.tag)
      expect(results.filter((applied) => applied.length > 0)).toEqual([tags])
      expect(results.filter((applied) => applied.length === 0).length).toBe(2)
      expect(await pendingPostgresMigrations(pools[0]!)).toEqual([])
      expect(await postgresMigrationStatus(pools[0]!)).toEqual({ applied: tags, pending: [], unknown: [] })
      expect(await migratePostgres(pools[1]!)).toEqual([])
    } finally {
      await Promise.all(pools.map((sql) => sql.close()))
    }
  })

  test('a failing migration applies nothing', async () => {
    const empty = await emptyDatabase()
    drops.push(empty.drop)
    const sql = new SQL(empty.url, { max: 1 })
    try {
      const broken = [...migrations, { tag: '9999_broken', when: Date.now() + 1, sql: 'CREATE TABLE ok_table (a int);\n--> statement-breakpoint\nNOT SQL' }]
      await expect(migratePostgres(sql, broken)).rejects.toThrow()
      const [row] = await sql`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`
      expect(row.n).toBe(0)
      expect((await pendingPostgresMigrations(sql)).length).toBe(migrations.length)
    } finally {
      await sql.close()
    }
  })
})

describe.skipIf(!onPostgres)("Bun's PostgreSQL driver", () => {
  // Bun.sql once returned another statement's rows for prepared statements under concurrency
  // (oven-sh/bun#32772, #33627; fixed in the pinned Bun). Kept as a regression test: if it ever
  // fails, DATABASE_DRIVER is the way out (see the README, "Running on PostgreSQL").
  test('concurrent prepared reads of different shapes on a small pool each get their own rows', async () => {
    const { url, drop } = await createTestDatabase()
    const database = openPostgres(url, { max: 4 })
    try {
      const { sql } = database
      await sql`INSERT INTO users ${sql(
        Array.from({ length: 200 }, (_, i) => ({
          id: `u${String(i).padStart(4, '0')}`,
          email: `user${i}@example.com`,
          name: `User ${i}`,
          password_hash: 'x',
          role: i % 2 ? 'admin' : 'user',
          created_at: '2026-01-01T00:00:00.000Z',
          updated_at: '2026-01-01T00:00:00.000Z',
        })),
      )}`
      const reads = Array.from({ length: 2_000 }, async (_, n) => {
        const i = n % 200
        const id = `u${String(i).padStart(4, '0')}`
        if (n % 3 === 0) {
          const [row] = await sql`SELECT id, email FROM users WHERE id = ${id}`
          return row.id === id && row.email === `user${i}@example.com`
        }
        if (n % 3 === 1) {
          const [row] = await sql`SELECT name, role, token_version FROM users WHERE email = ${`user${i}@example.com`}`
          return row.name === `User ${i}` && row.role === (i % 2 ? 'admin' : 'user') && row.token_version === 0
        }
        const [row] = await sql`SELECT count(*)::int AS n FROM users WHERE id <= ${id}`
        return row.n === i + 1
      })
      const results = await Promise.all(reads)
      expect(results.filter((ok) => !ok).length).toBe(0)
    } finally {
      await database.close()
      await drop()
    }
  })
})

async function emptyDatabase() {
  const name = `kiosk_empty_${Bun.randomUUIDv7().replaceAll('-', '').slice(-12)}`
  await adminQuery(`CREATE DATABASE ${name}`)
  return { url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
