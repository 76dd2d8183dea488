import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { DASHBOARD_CSP } from '../../src/http/dashboard.ts'
import { SECURITY_HEADERS } from '../../src/http/response-headers.ts'
import { createTestApp } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())

const assetPaths = (html: string) => [...html.matchAll(/(?:src|href)="(\/dashboard\/(?:assets|styles)\/[^"]+)"/g)].map((m) => m[1]!)

describe('GET /dashboard', () => {
  test('serves the bundled page with its own strict CSP and the other security headers', async () => {
    const response = await t.request('/dashboard')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP)
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
    expect(response.headers.get('referrer-policy')).toBe('no-referrer')
    const html = await response.text()
    // No inline script or style: everything the page runs is a file from this server.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
    expect(html).not.toContain('<style')
    expect(html).not.toMatch(/\sstyle=/)
    expect(html).not.toMatch(/https?:\/\//)
    expect(assetPaths(html).map((path) => path.replace(/[^/]+$/, '') + path.split('.').pop()).sort()).toEqual(['/dashboard/assets/js', '/dashboard/styles/css'])
  })

  test('the policy forbids inline script, eval and every other origin', () => {
    expect(DASHBOARD_CSP).toContain("default-src 'none'")
    expect(DASHBOARD_CSP).toContain("script-src 'self';")
    expect(DASHBOARD_CSP).toContain("connect-src 'self'")
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline')
    expect(DASHBOARD_CSP).not.toContain('unsafe-eval')
  })

  test('its script and stylesheet are served with their media types, immutable by content hash', async () => {
    const html = await (await t.request('/dashboard')).text()
    for (const path of assetPaths(html)) {
      const response = await t.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe(path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      expect(response.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['content-security-policy'])
      const body = await response.text()
      // Nothing from outside: no CDN, no remote font (the bundled libraries' own URLs are comments at most).
      expect(body.length).toBeGreaterThan(1000)
      expect(body).not.toMatch(/(?:src|href|url)\s*[=(]\s*["']?https?:\/\//)
    }
  })

  test('an unknown asset, or one asked for under the other kind, is a 404 problem, never the page', async () => {
    const [script, stylesheet] = assetPaths(await (await t.request('/dashboard')).text()).sort()
    const swapped = [script!.replace('/assets/', '/styles/'), stylesheet!.replace('/styles/', '/assets/')]
    for (const path of ['/dashboard/assets/nope.js', '/dashboard/assets/index.html', '/dashboard/styles/index.html', '/dashboard/assets/..%2F..%2Fpackage.json', ...swapped]) {
      const response = await t.request(path)
      expect(response.status).toBe(404)
      expect(response.headers.get('content-type')).toStartWith('application/problem+json')
    }
  })

  test('the API under /admin keeps its paths and its CSP', async () => {
    const api = await t.request('/admin/webhooks')
    expect(api.status).toBe(401)
    expect(api.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['content-security-policy'])
  })

  test('the API keeps its own CSP everywhere else', async () => {
    const response = await t.request('/health/live')
    expect(response.headers.get('content-security-policy')).toBe(SECURITY_HEADERS['content-security-policy'])
  })
})
