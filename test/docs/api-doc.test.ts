import { afterAll, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { createTestApp, json } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// docs/API.md is the human description of the API: every route it lists is served and in the
// OpenAPI document, and every documented route is listed there (the docs page's own aside).
const t = await createTestApp()
afterAll(() => t.close())

const METHODS = 'GET|POST|PUT|PATCH|DELETE'

test('docs/API.md lists exactly the routes of /docs/json', async () => {
  const text = await Bun.file(join(import.meta.dir, '../../docs/API.md')).text()
  const listed = [...text.matchAll(new RegExp(`^\\| \`(${METHODS}) (/[^\` ?]*)`, 'gm'))].map((m) => `${m[1]} ${m[2]}`)
  expect(new Set(listed).size).toBe(listed.length) // each route once
  const doc = await json(await t.request('/docs/json'))
  const documented = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  )
  expect(listed.length).toBeGreaterThan(0)
  expect(listed.filter((route) => !documented.includes(route))).toEqual([])
  expect(documented.filter((route) => !listed.includes(route))).toEqual([])
})
