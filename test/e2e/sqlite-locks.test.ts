import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { onPostgres } from '../postgres.ts'
import { seedDataFolder } from './data-folder.ts'
import { startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * SQLite's shared "DMS" lock on the -shm (byte 128) is what keeps a process that opens the
 * database (another worker, `kiosk backup` or `create-admin` beside a running server) from
 * taking itself for the only one and rebuilding the WAL index under the live connections. A
 * mapping of the -shm made with Bun.mmap (open, mmap, close) dropped it from a serving process:
 * closing any descriptor of a file drops all of the process's POSIX locks on it, and a worker of a
 * group later died of SIGBUS. Linux only: the locks are read from /proc/locks.
 */

const running = new Set<RunningKiosk>()
afterAll(() => {
  for (const kiosk of running) if (kiosk.process.exitCode === null) kiosk.process.kill('SIGKILL')
})

/** The pids holding a shared lock on byte 128 of the data folder's -shm file. */
function dmsLockHolders(dir: string): number[] {
  const { ino } = statSync(join(dir, 'data', 'kiosk.db-shm'))
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields[5]?.endsWith(`:${ino}`) && fields[3] === 'READ' && fields[6] === '128' && fields[7] === '128')
    .map((fields) => Number(fields[4]))
}

const listeningPids = (kiosk: RunningKiosk) =>
  kiosk.logs.filter((line) => line.includes('"msg":"kiosk listening"')).map((line) => (JSON.parse(line) as { pid: number }).pid)

async function serveRequests(kiosk: RunningKiosk, productId: string) {
  // New connections each time, so that every worker of a group serves some.
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${kiosk.url}/products/${productId}`, { keepalive: false, headers: { connection: 'close' } })
    expect(response.status).toBe(200)
  }
}

describe.skipIf(onPostgres || process.platform !== 'linux')('SQLite locks of a serving process', () => {
  test('kiosk serve holds the shared lock on the -shm after migrating, starting and serving', async () => {
    const seeded = await seedDataFolder({ products: [{ sku: 'L-1', priceCents: 100, stock: 1 }] })
    const kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
    running.add(kiosk)
    await serveRequests(kiosk, seeded.products[0]!.id)
    expect(dmsLockHolders(seeded.dir)).toContain(kiosk.process.pid)
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  })

  test('so does every worker of a KIOSK_WORKERS=2 group', async () => {
    const seeded = await seedDataFolder({ products: [{ sku: 'L-2', priceCents: 100, stock: 1 }] })
    const kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, KIOSK_WORKERS: '2' } })
    running.add(kiosk)
    await kiosk.waitForLog(() => listeningPids(kiosk).length >= 2, 20_000)
    await serveRequests(kiosk, seeded.products[0]!.id)
    const holders = dmsLockHolders(seeded.dir)
    const workers = listeningPids(kiosk)
    expect(workers).toHaveLength(2)
    expect(workers.filter((pid) => !holders.includes(pid))).toEqual([])
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  })
})
