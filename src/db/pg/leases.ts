import type { SQL } from 'bun'
import type { LeaseStore } from '../leases.ts'

/** The PostgreSQL twin of src/db/leases.ts: the same single guarded upsert, so two holders never both win. */
export function createPgLeaseStore(sql: SQL): LeaseStore {
  return {
    async tryAcquire(name, holder, now, ttlMs) {
      const rows = await sql`
        INSERT INTO leases (name, holder, expires_at) VALUES (${name}, ${holder}, ${now + ttlMs})
        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.holder = excluded.holder OR leases.expires_at <= ${now}
        RETURNING name`
      return rows.length === 1
    },
    async release(name, holder) {
      await sql`DELETE FROM leases WHERE name = ${name} AND holder = ${holder}`
    },
    async current(name) {
      const [row] = await sql`SELECT holder, expires_at FROM leases WHERE name = ${name}`
      return row ? { holder: row.holder as string, expiresAt: Number(row.expires_at) } : undefined
    },
    async claimTick(job, tick, holder, now) {
      const rows = await sql`INSERT INTO job_ticks (job, tick, holder, at) VALUES (${job}, ${tick}, ${holder}, ${now}) ON CONFLICT (job, tick) DO NOTHING RETURNING job`
      return rows.length === 1
    },
    async pruneTicks(before) {
      const rows = await sql`DELETE FROM job_ticks WHERE at < ${before} RETURNING job`
      return rows.length
    },
  }
}
