import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { afterAll } from 'bun:test'
import { createTestApp, json } from '../../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API9: improper inventory management. Every route the app serves is in the document
// (the docs page's own routes excepted), and nothing in the document is unserved.
const t = await createTestApp()
afterAll(() => t.close())

const toTemplate = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}')

describe('the OpenAPI document', () => {
  test('covers exactly the routes the app serves', async () => {
    const doc = await json(await t.request('/docs/json'))
    const documented = new Set<string>()
    for (const [path, methods] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(methods)) documented.add(`${method.toUpperCase()} ${path}`)
    }
    const served = new Set(
      t.app.routes
        .filter((route) => !route.path.startsWith('/docs') && route.method !== 'OPTIONS' && route.method !== 'HEAD')
        .map((route) => `${route.method} ${toTemplate(route.path)}`),
    )
    expect([...served].filter((route) => !documented.has(route))).toEqual([])
    expect([...documented].filter((route) => !served.has(route))).toEqual([])
  })
})
