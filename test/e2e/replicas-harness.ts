import { SQL } from 'bun'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { adminQuery } from '../postgres.ts'
import { E2E_SECRET, seedDataFolder } from './data-folder.ts'
import { databaseEnv, emptyFolder, startKiosk, type RunningKiosk } from './harness.ts'

/*
 * N replicas of dist/kiosk as a load balancer sees them: separate processes on separate ports,
 * each with its own empty DATA_DIR, sharing one PostgreSQL database and one JWT_SECRET.
 * Nothing here is shared between replicas but that database.
 */

export type Fixtures = Parameters<typeof seedDataFolder>[0]

/** One seeded database for a set of replicas, with a connection of the test's own to look under the API. */
export interface SharedDatabase extends Awaited<ReturnType<typeof seedDataFolder>> {
  url: string
  sql: SQL
}

const databases: SharedDatabase[] = []
const replicas: RunningKiosk[] = []

/** Seeds a new PostgreSQL database (users with real hashes and tokens, products) for replicas to share. */
export async function sharedDatabase(fixtures: Fixtures = {}): Promise<SharedDatabase> {
  const seeded = await seedDataFolder(fixtures)
  // The seeding folder's own database (harness.ts makes one per folder); no replica runs in that folder.
  const { DATABASE_URL } = await databaseEnv(seeded.dir)
  if (!DATABASE_URL) throw new Error('replicas need the PostgreSQL pass (KIOSK_TEST_DATABASE=postgres)')
  const database = { ...seeded, url: DATABASE_URL, sql: new SQL(DATABASE_URL, { max: 2 }) }
  databases.push(database)
  return database
}

/** Starts one replica on the database: a free port, a new empty DATA_DIR, the shared secret. */
export async function startReplica(database: SharedDatabase, env: Record<string, string> = {}): Promise<RunningKiosk> {
  const replica = await startKiosk({ dir: emptyFolder('kiosk-replica-'), env: { JWT_SECRET: E2E_SECRET, DATABASE_URL: database.url, ...env } })
  replicas.push(replica)
  return replica
}

/** Starts `count` replicas one after the other: the first one started is the first leader. */
export async function startReplicas(database: SharedDatabase, count: number, env: Record<string, string> = {}): Promise<RunningKiosk[]> {
  const started: RunningKiosk[] = []
  for (let i = 0; i < count; i++) {
    const replica = await startReplica(database, env)
    // Leadership is settled before the next one starts, so which replica leads is known.
    if (i === 0 && env.REPORT_CRON) await replica.waitForLog((line) => line.includes('leadership acquired'))
    started.push(replica)
  }
  return started
}

/** After the file: every replica still running is killed, every shared database dropped. */
export async function cleanUp() {
  for (const replica of replicas) if (replica.process.exitCode === null && replica.process.signalCode === null) replica.process.kill('SIGKILL')
  await Promise.all(replicas.map((replica) => replica.process.exited))
  for (const database of databases) {
    await database.sql.close()
    await adminQuery(`DROP DATABASE IF EXISTS ${new URL(database.url).pathname.slice(1)} WITH (FORCE)`)
  }
}

/** A request on a connection of its own, as a balancer opening a new one would send it. */
export const fresh = (url: string, init: RequestInit = {}) => fetch(url, { ...init, keepalive: false, headers: { ...init.headers, connection: 'close' } })

export const bearer = (token: string, headers: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...headers })
export const jsonBody = (token: string, body: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: bearer(token, { 'content-type': 'application/json' }),
  body: JSON.stringify(body),
})

/** The parsed log lines of a replica with this message. */
export const logged = (replica: RunningKiosk, message: string) =>
  replica.logs.filter((line) => line.includes(`"msg":"${message}"`)).map((line) => JSON.parse(line) as Record<string, any>)

/** Successful runs of the report-snapshot job a replica logged. */
export const snapshotRuns = (replica: RunningKiosk) =>
  logged(replica, 'job run').filter((line) => line.job === 'report-snapshot' && line.outcome === 'success')

/** The snapshots stored in the database, by name (`summary-<ISO time of the run's start>.json`). */
export async function storedSnapshots(database: SharedDatabase): Promise<string[]> {
  const rows = await database.sql`SELECT key FROM files WHERE key LIKE 'reports/summary-%' ORDER BY key`
  return rows.map((row: { key: string }) => row.key.slice('reports/'.length))
}

/**
 * The ticks of the report-snapshot job claimed in job_ticks (job, scheduled time), with who ran each.
 * A snapshot's name is the time its run started, which a late timer can push into the next second:
 * the claimed tick, not the name, is which tick a run was.
 */
export async function claimedTicks(database: SharedDatabase): Promise<{ tick: string; holder: string }[]> {
  return database.sql`SELECT tick, holder FROM job_ticks WHERE job = 'report-snapshot' ORDER BY tick`
}

/** Every file under a folder, relative to it (a replica's DATA_DIR should hold only its lock). */
export const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort()

/** Scraped from a replica's /metrics: one sample's value, 0 when absent. */
export async function metric(replica: RunningKiosk, name: string, labels: string): Promise<number> {
  const text = await (await fresh(`${replica.url}/metrics`)).text()
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{${labels}}`))
  return line ? Number(line.split(' ').at(-1)) : 0
}

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Uint8Array) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  Buffer.from(data).copy(out, 8)
  out.writeUInt32BE(Bun.hash.crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}
const ONE_PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64')

/** A valid 1×1 PNG carrying `padding` random bytes in a private chunk: big enough that a truncated or altered copy shows. */
export const randomPng = (padding: number) =>
  Buffer.concat([ONE_PIXEL_PNG.subarray(0, -12), pngChunk('prVt', randomBytes(padding)), ONE_PIXEL_PNG.subarray(-12)])

/** Polls `done` until it holds; fails after `timeoutMs` with `what`. Tests wait on state, not on fixed sleeps. */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await Bun.sleep(20)
  }
}
