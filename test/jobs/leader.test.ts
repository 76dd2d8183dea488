import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createLeaseStore, type LeaseStore } from '../../src/db/leases.ts'
import { openPostgres } from '../../src/db/pg/client.ts'
import { createPgLeaseStore } from '../../src/db/pg/leases.ts'
import { createLeaderElection } from '../../src/jobs/leader.ts'
import { createLogger } from '../../src/lib/logger.ts'
import { twoConnections } from '../db/two-connections.ts'
import { createTestDatabase, onPostgres } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/** The lease stores of two processes on one database: two connections to one SQLite file, or two pools on one PostgreSQL database. */
async function twoProcesses(): Promise<[LeaseStore, LeaseStore]> {
  if (!onPostgres) {
    const { first, second } = twoConnections('kiosk-leader-')
    return [createLeaseStore(first.sqlite), createLeaseStore(second.sqlite)]
  }
  const database = await createTestDatabase()
  const [first, second] = [openPostgres(database.url, { max: 2 }), openPostgres(database.url, { max: 2 })]
  afterAll(async () => {
    await Promise.all([first.close(), second.close()])
    await database.drop()
  })
  return [createPgLeaseStore(first.sql), createPgLeaseStore(second.sql)]
}

const [a, b] = await twoProcesses()

const TTL = 10_000
let now = 1_800_000_000_000
const logger = createLogger('silent')
const election = (store: LeaseStore, holder: string, name: string) =>
  createLeaderElection({ store, name, ttlMs: TTL, logger, holder, now: () => now })

describe('the leader lease', () => {
  test('exactly one process leads; when it stops renewing, another takes over once the lease expired', async () => {
    const first = election(a, 'first', 'jobs')
    const second = election(b, 'second', 'jobs')
    await first.tick()
    await second.tick()
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false])
    now += 3_000
    await first.tick()
    await second.tick()
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false])
    // The leader dies (no more renewals). Just before its lease ends, nobody else may lead.
    now += TTL - 1
    await second.tick()
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false])
    now += 1
    await second.tick()
    // The old leader's own view ends with its lease, even before it tries to renew.
    expect([first.isLeader(), second.isLeader()]).toEqual([false, true])
    expect(await a.current('jobs')).toEqual({ holder: 'second', expiresAt: now + TTL })
    await first.tick()
    expect([first.isLeader(), second.isLeader()]).toEqual([false, true])
  })

  test('a leader that stops gracefully releases the lease: the next try elsewhere takes it at once', async () => {
    const first = election(a, 'first', 'graceful')
    const second = election(b, 'second', 'graceful')
    await first.tick()
    await second.tick()
    expect([first.isLeader(), second.isLeader()]).toEqual([true, false])
    await first.stop()
    expect(first.isLeader()).toBe(false)
    await second.tick()
    expect(second.isLeader()).toBe(true)
    await second.stop()
  })

  test('processes racing for a free lease at the same instant: exactly one wins, and it is the recorded holder', async () => {
    const racers = Array.from({ length: 8 }, (_, i) => ({ holder: `racer-${i}`, store: i % 2 ? b : a }))
    const won = await Promise.all(racers.map(({ holder, store }) => store.tryAcquire('race', holder, now, TTL)))
    expect(won.filter(Boolean)).toHaveLength(1)
    const winner = racers[won.indexOf(true)]!.holder
    expect(await b.current('race')).toEqual({ holder: winner, expiresAt: now + TTL })
    // Renewing is the holder's alone, until the lease runs out.
    expect(await a.tryAcquire('race', 'latecomer', now + TTL - 1, TTL)).toBe(false)
    expect(await b.tryAcquire('race', winner, now + 1, TTL)).toBe(true)
    expect(await a.current('race')).toEqual({ holder: winner, expiresAt: now + 1 + TTL })
  })
})
