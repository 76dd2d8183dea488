import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTestApp, createUser, expectProblem } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())
const user = await createUser(t)

const ROUTES: [string, string][] = [
  ['GET', '/admin/reports/summary'],
  ['GET', '/admin/reports/summary?from=not-a-date'],
  ['GET', '/admin/reports/orders.csv'],
  ['GET', '/admin/reports/orders.csv?to=2026-01-01&from=2027-01-01'],
  ['POST', '/admin/reports/snapshots'],
  ['GET', '/admin/reports/snapshots'],
  ['GET', '/admin/reports/snapshots/summary-2026-11-28T00-00-00-000Z.json'],
  ['GET', '/admin/reports/snapshots/..%2f..%2fkiosk.db'],
]

describe('/admin/reports is for admins only', () => {
  for (const [method, path] of ROUTES) {
    test(`${method} ${path} is 401 without a token, whatever the input`, async () => {
      const response = await t.request(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{not json' : undefined })
      const problem = await expectProblem(response, 401)
      expect(response.headers.get('www-authenticate')).toStartWith('Bearer')
      expect(problem.errors).toBeUndefined()
    })

    test(`${method} ${path} is 401 with a forged token`, async () => {
      await expectProblem(await t.request(path, { method, token: `${user.token.slice(0, -4)}AAAA` }), 401)
    })

    test(`${method} ${path} is 403 for a user`, async () => {
      await expectProblem(await t.request(path, { method, token: user.token }), 403)
    })
  }
})
