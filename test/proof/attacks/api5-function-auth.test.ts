import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API5: broken function level authorization. Every admin operation in the served document
// is 401 anonymous and 403 for a user, whatever the body.
const live = useLive()

const isAdminOnly = (method: string, path: string) =>
  path.startsWith('/admin/') ||
  (path === '/users' && (method === 'get' || method === 'post')) ||
  path === '/users/{id}' ||
  (path.startsWith('/products') && method !== 'get') ||
  (path === '/orders/{id}' && method === 'patch')

describe('admin operations', () => {
  test('refuse anonymous callers with 401 and users with 403, before looking at the body', async () => {
    const doc = (await (await live.call('/docs/json')).json()) as { paths: Record<string, Record<string, unknown>> }
    const checked: string[] = []
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const method of Object.keys(methods)) {
        if (!isAdminOnly(method, path)) continue
        const concrete = path.replace(/\{[^}]+\}/g, live.products[0]!.id)
        const init = { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: method === 'get' || method === 'delete' ? undefined : '{"broken":' }
        const anonymous = await live.call(concrete, init)
        expect([`${method} ${path}`, anonymous.status]).toEqual([`${method} ${path}`, 401])
        const user = await live.call(concrete, { ...init, token: live.alice.token })
        expect([`${method} ${path}`, user.status]).toEqual([`${method} ${path}`, 403])
        checked.push(`${method} ${path}`)
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(15)
  })
})
