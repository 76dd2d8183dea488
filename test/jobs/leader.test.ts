import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createLeaseStore } from '../../src/db/leases.ts'
import { createLeaderElection } from '../../src/jobs/leader.ts'
import { createLogger } from '../../src/lib/logger.ts'
import { twoConnections } from '../db/two-connections.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Another process's connection to the same database.
const { first: a, second: b } = twoConnections('kiosk-leader-')

const TTL = 10_000
let now = 1_800_000_000_000
const logger = createLogger('silent')
const election = (db: typeof a, holder: string, name: string) =>
  createLeaderElection({ store: createLeaseStore(db.sqlite), name, ttlMs: TTL, logger, holder, now: () => now })

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
    expect(await createLeaseStore(a.sqlite).current('jobs')).toEqual({ holder: 'second', expiresAt: now + TTL })
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
})
