import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API8: security misconfiguration. Headers on every kind of response, no CORS by default,
// errors that reveal nothing of the inside.
const live = useLive()

describe('security headers', () => {
  test('are on successes, problems, docs and files alike', async () => {
    const responses = await Promise.all([
      live.call('/health/live'),
      live.call('/no/such/route'),
      live.call('/users/me'),
      live.call('/docs'),
      live.call(`/products/${live.products[0]!.id}`),
    ])
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
      expect(response.headers.get('x-powered-by')).toBeNull()
    }
  })

  test('no CORS grant to an unlisted origin, even on a preflight', async () => {
    const preflight = await live.call('/orders', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('errors', () => {
  test('malformed input reveals no stack, SQL or file path', async () => {
    const probes = await Promise.all([
      live.call('/orders', { method: 'POST', token: live.alice.token, headers: { 'content-type': 'application/json' }, body: '{"items": [' }),
      live.call("/products?q=%22%27%3B%20DROP%20TABLE%20products%3B--&sort=price'"),
      live.call('/products?cursor=%00%00garbage'),
      live.call(`/products/${"' OR 1=1 --"}`),
    ])
    // Unparseable JSON, a bad sort, a bad cursor, an unknown id.
    expect(probes.map((response) => response.status)).toEqual([400, 422, 422, 404])
    for (const response of probes) {
      const body = await response.text()
      expect(body).not.toMatch(/SQLITE|select |at \/|\.ts:\d+|node_modules|stack/i)
    }
  })
})
