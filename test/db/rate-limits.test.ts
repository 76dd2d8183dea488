import { afterAll, beforeAll, describe, setDefaultTimeout } from 'bun:test'
import { SQL } from 'bun'
import { openDatabase } from '../../src/db/client.ts'
import { createPgLimitStore } from '../../src/db/pg/rate-limits.ts'
import { createSqliteLimitStore } from '../../src/db/rate-limits.ts'
import { onPostgres } from '../helpers.ts'
import { createTestDatabase } from '../postgres.ts'
import { limitCases } from './limit-cases.ts'
import { twoConnections } from './two-connections.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe.skipIf(onPostgres)('the SQLite rate limiter', () => {
  // A second connection on the same file: what another worker process has.
  const { first, second, path } = twoConnections('kiosk-limits-')
  limitCases(() => ({
    first: createSqliteLimitStore(first.sqlite),
    second: createSqliteLimitStore(second.sqlite),
    async reopen() {
      const reopened = openDatabase(path)
      return { limits: createSqliteLimitStore(reopened.sqlite), close: async () => reopened.close() }
    },
    async clear() {
      first.sqlite.exec('DELETE FROM rate_limit_events; DELETE FROM recent_pairs')
    },
  }))
})

describe.skipIf(!onPostgres)('the PostgreSQL rate limiter', () => {
  // Two pools on one database: what two worker processes have.
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let first: SQL
  let second: SQL
  beforeAll(async () => {
    database = await createTestDatabase()
    first = new SQL(database.url, { max: 4 })
    second = new SQL(database.url, { max: 4 })
  })
  afterAll(async () => {
    await Promise.all([first.close(), second.close()])
    await database.drop()
  })
  limitCases(() => ({
    first: createPgLimitStore(first),
    second: createPgLimitStore(second),
    async reopen() {
      const reopened = new SQL(database.url, { max: 1 })
      return { limits: createPgLimitStore(reopened), close: () => reopened.close() }
    },
    async clear() {
      await first`DELETE FROM rate_limit_events`
      await first`DELETE FROM recent_pairs`
    },
  }))
})
