import { SQL } from 'bun'
import { migratePostgres } from '../src/db/pg/migrate.ts'
import { migrations } from '../src/db/pg/migrations.gen.ts'

/*
 * The PostgreSQL side of the test suite. `KIOSK_TEST_DATABASE=postgres` runs every test file on
 * PostgreSQL (scripts/test.ts does that second run when a server is there; CI starts one with
 * scripts/postgres.sh). Each test app gets its own database, copied from a migrated template
 * (CREATE DATABASE … TEMPLATE: ~40 ms), and drops it when it closes.
 */

export const onPostgres = process.env.KIOSK_TEST_DATABASE === 'postgres'

/** The server the PostgreSQL run uses: an administrative URL (any database on it; `postgres` by default). */
export const TEST_POSTGRES_URL = process.env.KIOSK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres'

// One template per migration set: a schema change gets a fresh template, an old one is reused.
const TEMPLATE = `kiosk_template_${new Bun.CryptoHasher('sha256').update(JSON.stringify(migrations)).digest('hex').slice(0, 12)}`

let admin: SQL | undefined
let template: Promise<void> | undefined

const adminConnection = () => (admin ??= new SQL(TEST_POSTGRES_URL, { max: 2, idleTimeout: 5 }))

/** `postgres://…/name` on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return url.toString()
}

function ensureTemplate(): Promise<void> {
  template ??= (async () => {
    // Several `bun test` processes may race to build it: a session advisory lock makes it once.
    const connection = await adminConnection().reserve()
    try {
      await connection`SELECT pg_advisory_lock(4242)`
      const [exists] = await connection`SELECT 1 AS one FROM pg_database WHERE datname = ${TEMPLATE}`
      if (exists) return
      // Built under another name and renamed when complete, so a crash never leaves half a template.
      const building = `${TEMPLATE}_build`
      await connection.unsafe(`DROP DATABASE IF EXISTS ${building}`)
      await connection.unsafe(`CREATE DATABASE ${building}`)
      const db = new SQL(databaseUrl(building), { max: 1 })
      try {
        await migratePostgres(db)
      } finally {
        await db.close()
      }
      await connection.unsafe(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE}`)
    } finally {
      await connection`SELECT pg_advisory_unlock(4242)`
      connection.release()
    }
  })()
  return template
}

/** A new database of its own (migrated: a copy of the template; `empty`: as a fresh install finds it); its URL and a function that drops it. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  if (!options.empty) await ensureTemplate()
  const name = `kiosk_test_${Bun.randomUUIDv7().replaceAll('-', '').slice(-16)}`
  await adminConnection().unsafe(options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`)
  const drop = async () => {
    await adminConnection().unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  return { url: databaseUrl(name), drop }
}

/** Runs one statement on the test server's administrative connection (CREATE/DROP DATABASE). */
export async function adminQuery(statement: string): Promise<void> {
  await adminConnection().unsafe(statement)
}
