import type { Database } from 'bun:sqlite'

/*
 * Named leases in the database: a row (name, holder, expires_at in epoch ms) that one process
 * holds until it expires unless renewed. Taking and renewing are one statement each, so two
 * processes can never both hold a lease: the upsert changes the row only when it is ours or expired.
 * Tick claims (job_ticks) make each scheduled run once even across a hand-over of the lease.
 */
/** Named leases (the scheduler's leader) and tick claims: rows in the database every process shares. */
export interface LeaseStore {
  /** Takes or renews `name` for `holder` until `now + ttlMs`; false while another holder's lease runs. */
  tryAcquire(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>
  /** Gives the lease up (graceful shutdown), so another process takes it at its next try. */
  release(name: string, holder: string): Promise<void>
  current(name: string): Promise<{ holder: string; expiresAt: number } | undefined>
  /** Claims the run of `job` scheduled at `tick` (ISO) for `holder`; false when another process already ran it. */
  claimTick(job: string, tick: string, holder: string, now: number): Promise<boolean>
  /** Deletes tick claims made before `before` (epoch ms); returns how many. */
  pruneTicks(before: number): Promise<number>
}

export function createLeaseStore(sqlite: Database): LeaseStore {
  const upsert = sqlite.query(
    `INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4`,
  )
  const remove = sqlite.query('DELETE FROM leases WHERE name = ?1 AND holder = ?2')
  const find = sqlite.query<{ holder: string; expires_at: number }, [string]>('SELECT holder, expires_at FROM leases WHERE name = ?1')
  const claim = sqlite.query('INSERT INTO job_ticks (job, tick, holder, at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (job, tick) DO NOTHING')
  const prune = sqlite.query('DELETE FROM job_ticks WHERE at < ?1')
  return {
    async tryAcquire(name, holder, now, ttlMs) {
      return upsert.run(name, holder, now + ttlMs, now).changes === 1
    },
    async release(name, holder) {
      remove.run(name, holder)
    },
    async current(name) {
      const row = find.get(name)
      return row ? { holder: row.holder, expiresAt: row.expires_at } : undefined
    },
    async claimTick(job, tick, holder, now) {
      return claim.run(job, tick, holder, now).changes === 1
    },
    async pruneTicks(before) {
      return prune.run(before).changes
    },
  }
}
