import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createTestApp, onPostgres } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The outbox's claims under the worker, on whichever dialect the run uses: two processes (two
 * apps on one database) claiming at once never take one message twice, and a lease that expired
 * is taken over while the old holder's outcome is refused.
 */

const first = await createTestApp()
// The second "process": the same database file (SQLite) or database (PostgreSQL), its own connections.
const second = await createTestApp({}, onPostgres ? { databaseUrl: first.ctx.config.DATABASE_URL } : { dir: first.dir })
afterAll(async () => {
  await second.close()
  await first.close()
})

const T0 = '2030-01-01T00:00:00.000Z'
const plus = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

async function queue(count: number) {
  await first.sql(sql`DELETE FROM emails`)
  for (let i = 0; i < count; i++) {
    const id = Bun.randomUUIDv7()
    await first.sql(sql`
      INSERT INTO emails (id, to_address, subject, template, text_body, html_body, status, attempts, next_attempt_at, created_at)
      VALUES (${id}, ${`to${i}@example.com`}, 'Hello', 'verify_email', 'text', '<p>html</p>', 'pending', 0, ${plus(i)}, ${T0})`)
  }
}

describe('outbox claims', () => {
  test('two processes claiming at once split the due messages: none is claimed twice, oldest due first', async () => {
    await queue(12)
    const a = first.services.stores.email
    const b = second.services.stores.email
    const rounds = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claim(plus(60_000), plus(120_000 + i), 3, 5)),
    )
    const ids = rounds.flatMap((round) => round.claims.map((claim) => claim.id))
    expect(ids).toHaveLength(12)
    expect(new Set(ids).size).toBe(12)
    for (const round of rounds) {
      const due = round.claims.map((claim) => claim.to)
      expect(due).toEqual([...due].sort((x, y) => Number(x.slice(2, -12)) - Number(y.slice(2, -12))))
    }
    const [row] = await first.sql<{ n: number }>(sql`SELECT CAST(count(*) AS integer) AS n FROM emails WHERE status = 'sending' AND attempts = 1`)
    expect(row!.n).toBe(12)
  })

  test('an expired lease is taken over (its attempt counted again); the old holder\'s outcome is refused', async () => {
    await queue(1)
    const a = first.services.stores.email
    const b = second.services.stores.email
    const [claim] = (await a.claim(plus(1000), plus(61_000), 5, 5)).claims
    expect(claim).toMatchObject({ attempt: 1, lease: plus(61_000) })
    // While the lease holds, nobody else gets the message.
    expect((await b.claim(plus(60_999), plus(120_000), 5, 5)).claims).toEqual([])
    const [takeover] = (await b.claim(plus(61_000), plus(121_000), 5, 5)).claims
    expect(takeover).toMatchObject({ id: claim!.id, attempt: 2, lease: plus(121_000) })
    expect(await a.record(claim!, { result: 'sent' }, plus(61_500))).toBe(false)
    expect(await b.record(takeover!, { result: 'retry', error: 'greylisted', nextAttemptAt: plus(200_000) }, plus(61_500))).toBe(true)
    const [row] = await first.sql(sql`SELECT status, attempts, last_error, next_attempt_at, lease_until FROM emails`)
    expect(row).toEqual({ status: 'pending', attempts: 2, last_error: 'greylisted', next_attempt_at: plus(200_000), lease_until: null })
  })

  test('a lease that expires on the last allowed attempt fails the message instead of trying again', async () => {
    await queue(1)
    const a = first.services.stores.email
    const [claim] = (await a.claim(plus(1000), plus(2000), 5, 1)).claims
    expect(claim).toMatchObject({ attempt: 1 })
    expect(await second.services.stores.email.claim(plus(2000), plus(3000), 5, 1)).toEqual({ claims: [], failed: 1 })
    const [row] = await first.sql(sql`SELECT status, attempts, text_body, html_body, lease_until FROM emails`)
    expect(row).toEqual({ status: 'failed', attempts: 1, text_body: null, html_body: null, lease_until: null })
    expect(await a.record(claim!, { result: 'sent' }, plus(2500))).toBe(false)
  })
})
