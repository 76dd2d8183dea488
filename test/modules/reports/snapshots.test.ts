import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { SNAPSHOT_NAME } from '../../../src/modules/reports/snapshots.ts'
import { accessTokenFor, createTestApp, createUser, expectProblem, json, onPostgres, type TestApp } from '../../helpers.ts'
import { insertOrder, insertProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const NOW = '2026-11-28T00:00:00.000Z'
const t = await createTestApp()
afterAll(() => t.close())
t.clock.set(NOW)
const admin = await createUser(t, { role: 'admin' })
const buyer = await createUser(t)
const product = await insertProduct(t, { priceCents: 1500, stock: 2 })
await insertOrder(t, { userId: buyer.id, status: 'paid', createdAt: '2026-11-27T10:00:00.000Z', lines: [{ product, quantity: 2 }] })

/*
 * Where snapshots are stored, looked at under the API: DATA_DIR/reports on SQLite, rows of the
 * `files` table (key "reports/<name>") on PostgreSQL.
 */
const folder = join(t.dir, 'reports')
async function storedNames(app: TestApp = t): Promise<string[]> {
  if (onPostgres) {
    const rows = await app.sql<{ key: string }>(sql`SELECT key FROM files WHERE key LIKE 'reports/%' ORDER BY key`)
    return rows.map((row) => row.key.slice('reports/'.length))
  }
  const dir = join(app.dir, 'reports')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}
async function storedSize(name: string): Promise<number | undefined> {
  if (onPostgres) {
    const [row] = await t.sql<{ size: number; bytes: number }>(sql`SELECT size, octet_length(content) AS bytes FROM files WHERE key = ${`reports/${name}`}`)
    expect(row?.size).toBe(row?.bytes)
    return row?.bytes
  }
  return statSync(join(folder, name)).size
}
/** A stored file the snapshot code did not write. */
async function storeForeign(name: string, content: string) {
  if (!onPostgres) return writeFileSync(join(folder, name), content)
  const bytes = new TextEncoder().encode(content)
  await t.sql(sql`INSERT INTO files (key, content_type, content, size, created_at) VALUES (${`reports/${name}`}, 'text/plain', ${Buffer.from(bytes)}, ${bytes.length}, ${NOW})`)
}
// Tokens are minted at the app's current (manual) time, which these tests move.
const take = async (app: TestApp = t, owner = admin) =>
  app.request('/admin/reports/snapshots', { method: 'POST', token: await accessTokenFor(app, owner) })
const list = async (app: TestApp = t, owner = admin) =>
  (await json(await app.request('/admin/reports/snapshots', { token: await accessTokenFor(app, owner) }))).items

describe('POST /admin/reports/snapshots', () => {
  test('writes the summary to DATA_DIR/reports and answers 202 with Location', async () => {
    const response = await take()
    expect(response.status).toBe(202)
    const body = await json(response)
    expect(body).toEqual({ name: 'summary-2026-11-28T00-00-00-000Z.json', size: expect.any(Number), created_at: NOW })
    expect(response.headers.get('location')).toBe(`/admin/reports/snapshots/${body.name}`)
    expect(await storedSize(body.name)).toBe(body.size)
  })

  test('two snapshots in the same millisecond get different names', async () => {
    const first = await json(await take())
    const second = await json(await take())
    expect(first.name).not.toBe(second.name)
    expect(second.name).toMatch(SNAPSHOT_NAME)
  })

  test('leaves no temp file behind', async () => {
    await take()
    expect((await storedNames()).filter((name) => !SNAPSHOT_NAME.test(name))).toEqual([])
  })
})

describe('GET /admin/reports/snapshots', () => {
  test('lists snapshots newest first with name, size and created_at', async () => {
    t.clock.set('2026-11-28T06:00:00.000Z')
    const newer = await json(await take())
    t.clock.set('2026-11-28T12:00:00.000Z')
    const newest = await json(await take())
    t.clock.set(NOW)
    const items = await list()
    expect(items[0]).toEqual(newest)
    expect(items[1]).toEqual(newer)
    const times = items.map((item: { created_at: string }) => item.created_at)
    expect(times).toEqual([...times].sort().reverse())
  })

  test('shows only files named like a snapshot', async () => {
    await storeForeign('notes.txt', 'not a snapshot')
    await storeForeign('summary-latest.json', '{}')
    // A folder named like a snapshot is not one (there are no folders in the files table).
    if (!onPostgres) mkdirSync(join(folder, 'summary-2020-01-01T00-00-00-000Z.json'), { recursive: true })
    const names = (await list()).map((item: { name: string }) => item.name)
    expect(names).not.toContain('notes.txt')
    expect(names).not.toContain('summary-latest.json')
    expect(names).not.toContain('summary-2020-01-01T00-00-00-000Z.json')
    expect(names.every((name: string) => SNAPSHOT_NAME.test(name))).toBe(true)
  })

  test('is empty before the first snapshot', async () => {
    const fresh = await createTestApp()
    try {
      const owner = await createUser(fresh, { role: 'admin' })
      expect(await list(fresh, owner)).toEqual([])
    } finally {
      fresh.close()
    }
  })
})

describe('GET /admin/reports/snapshots/{name}', () => {
  test('downloads the stored JSON: name, created_at and the summary of the 30 days up to then', async () => {
    t.clock.set(NOW)
    const created = await json(await take())
    const response = await t.request(`/admin/reports/snapshots/${created.name}`, { token: admin.token })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toStartWith('application/json')
    const document = await json(response)
    const summary = await json(await t.request('/admin/reports/summary', { token: admin.token }))
    expect(document).toEqual({ name: created.name, created_at: NOW, summary })
    expect(document.summary.revenue_cents).toBe(3000)
  })

  const outside = [
    '..%2f..%2fkiosk.db',
    '..%2Fkiosk.db',
    '%2e%2e%2fkiosk.db',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%5c..%5ckiosk.db',
    '%2fetc%2fpasswd',
    '..',
    'kiosk.db',
    'notes.txt',
    'summary-latest.json',
    '%252e%252e%252fkiosk.db',
    'summary-2026-11-28T00-00-00-000Z.json%00.txt',
    'summary-2026-11-28T00-00-00-000Z.json%2f..%2f..%2fkiosk.db',
    'summary-2026-11-28T00-00-00-000Z.json.tmp',
    'summary-2026-02-30T00-00-00-000Z.json',
    'summary-2031-01-01T00-00-00-000Z.json',
    'summary-2020-01-01T00-00-00-000Z.json',
  ]
  for (const name of outside) {
    test(`${name} is 404`, async () => {
      await expectProblem(await t.request(`/admin/reports/snapshots/${name}`, { token: admin.token }), 404)
    })
  }

  test('raw traversal paths never reach a file', async () => {
    for (const path of ['/admin/reports/snapshots/../../kiosk.db', '/admin/reports/snapshots//etc/passwd', '/admin/reports/snapshots/a/b']) {
      const response = await t.request(path, { token: admin.token })
      expect(response.status).toBe(404)
      expect(await response.text()).not.toContain('SQLite format')
    }
  })
})

// Snapshots live in the database's files table on PostgreSQL: a replica with its own DATA_DIR lists and serves them.
describe.skipIf(!onPostgres)('snapshots on PostgreSQL', () => {
  test('another process on the database lists and serves a snapshot it did not take; no local file is written', async () => {
    t.clock.set(NOW)
    const created = await json(await take())
    const replica = await createTestApp({}, { databaseUrl: t.ctx.config.DATABASE_URL })
    try {
      const token = await accessTokenFor(replica, admin)
      expect(await list(replica)).toEqual(await list())
      const there = await replica.request(`/admin/reports/snapshots/${created.name}`, { token })
      expect(there.status).toBe(200)
      expect(there.headers.get('content-type')).toStartWith('application/json')
      const here = await t.request(`/admin/reports/snapshots/${created.name}`, { token: admin.token })
      expect(await there.text()).toBe(await here.text())
      expect(existsSync(folder)).toBe(false)
      expect(existsSync(join(replica.dir, 'reports'))).toBe(false)
    } finally {
      await replica.close()
    }
  })
})

describe('SNAPSHOT_KEEP', () => {
  test('keeps only the newest snapshots', async () => {
    const small = await createTestApp({ SNAPSHOT_KEEP: '3' })
    try {
      const owner = await createUser(small, { role: 'admin' })
      const names: string[] = []
      for (let i = 0; i < 5; i++) {
        names.push((await json(await take(small, owner))).name)
        small.clock.advance(60_000)
      }
      const kept = (await list(small, owner)).map((item: { name: string }) => item.name)
      expect(kept).toEqual(names.slice(2).reverse())
      const stored = await storedNames(small)
      for (const name of names.slice(0, 2)) expect(stored).not.toContain(name)
      expect(stored).toEqual(names.slice(2).sort())
      await expectProblem(await small.request(`/admin/reports/snapshots/${names[0]}`, { token: await accessTokenFor(small, owner) }), 404)
    } finally {
      small.close()
    }
  })
})
