/**
 * The README's test command (`bun run test`): the whole suite on SQLite, then again on PostgreSQL
 * (`KIOSK_TEST_DATABASE=postgres`, every test app on a database of its own). The PostgreSQL run
 * needs a server: KIOSK_TEST_POSTGRES_URL, else a local throwaway cluster that scripts/postgres.sh
 * starts when PostgreSQL is installed. Without one the run is skipped and says so once, unless
 * KIOSK_REQUIRE_POSTGRES is set (CI), where that is a failure. Arguments go to both `bun test` runs.
 * Without arguments a third, shorter run follows: the app tests (test/modules) on PostgreSQL through
 * postgres.js, the documented fallback client (DATABASE_DRIVER=postgres-js), so the fallback keeps working.
 */
import { SQL } from 'bun'
import { resolve } from 'node:path'

const root = resolve(import.meta.dir, '..')
const args = process.argv.slice(2)
const required = Boolean(process.env.KIOSK_REQUIRE_POSTGRES)

const run = async (label: string, env: Record<string, string | undefined>, files = args) => {
  console.log(`\n== bun test on ${label}`)
  const child = Bun.spawn(['bun', 'test', ...files], { cwd: root, env: { ...process.env, ...env }, stdio: ['inherit', 'inherit', 'inherit'] })
  return child.exited
}

async function reachable(url: string): Promise<boolean> {
  const sql = new SQL(url, { max: 1, connectionTimeout: 3 })
  try {
    await sql`SELECT 1`
    return true
  } catch {
    return false
  } finally {
    await sql.close()
  }
}

/** A server for the PostgreSQL run, or why there is none. */
async function postgresServer(): Promise<{ url: string } | { missing: string }> {
  const given = process.env.KIOSK_TEST_POSTGRES_URL
  if (given) return (await reachable(given)) ? { url: given } : { missing: `no PostgreSQL answers at KIOSK_TEST_POSTGRES_URL (${given})` }
  const local = 'postgres://postgres@127.0.0.1:55432/postgres'
  if (await reachable(local)) return { url: local }
  // Installed but not running: start the throwaway cluster (installing it is CI's job: it needs root).
  const installed = (await Array.fromAsync(new Bun.Glob('/usr/lib/postgresql/*/bin/pg_ctl').scan())).length > 0
  if (!installed) return { missing: 'PostgreSQL is not installed and KIOSK_TEST_POSTGRES_URL is not set' }
  const start = Bun.spawnSync(['bash', resolve(root, 'scripts/postgres.sh'), 'start'], { stderr: 'pipe' })
  if (start.exitCode !== 0) return { missing: `scripts/postgres.sh could not start PostgreSQL: ${start.stderr.toString().trim()}` }
  return (await reachable(local)) ? { url: local } : { missing: 'scripts/postgres.sh started PostgreSQL but it does not answer' }
}

// The REDIS_URL tests (PostgreSQL pass) use a local throwaway redis-server when one is installed.
if (!process.env.KIOSK_TEST_REDIS_URL && Bun.which('redis-server')) Bun.spawnSync(['bash', resolve(root, 'scripts/redis.sh'), 'start'], { stdout: 'ignore' })

const sqliteCode = await run('SQLite', { KIOSK_TEST_DATABASE: undefined })
const server = await postgresServer()
let postgresCode = 0
if ('url' in server) {
  const env = { KIOSK_TEST_DATABASE: 'postgres', KIOSK_TEST_POSTGRES_URL: server.url }
  postgresCode = await run(`PostgreSQL (${server.url})`, env)
  if (args.length === 0) {
    postgresCode ||= await run('PostgreSQL through postgres.js (DATABASE_DRIVER=postgres-js): the app tests', { ...env, KIOSK_TEST_POSTGRES_DRIVER: 'postgres-js' }, ['test/modules'])
  }
} else if (required) {
  console.error(`\nThe PostgreSQL run is required (KIOSK_REQUIRE_POSTGRES) but cannot run: ${server.missing}.`)
  postgresCode = 1
} else {
  console.log(`\nPostgreSQL run skipped: ${server.missing}. The SQLite run above is the whole suite; CI runs both.`)
}
console.log(`\n== SQLite: ${sqliteCode === 0 ? 'passed' : 'FAILED'}; PostgreSQL: ${'url' in server ? (postgresCode === 0 ? 'passed' : 'FAILED') : required ? 'FAILED (no server)' : 'skipped'}`)
process.exit(sqliteCode || postgresCode)
