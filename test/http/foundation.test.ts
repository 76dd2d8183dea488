import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { afterResponseHooks, createTestApp, expectProblem, json, onPostgres, sqliteOf } from '../helpers.ts'
import { adminQuery, databaseUrl } from '../postgres.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())

describe('every response', () => {
  test('carries the security headers and a request id', async () => {
    for (const path of ['/health/live', '/no/such/route']) {
      const response = await t.request(path)
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(response.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d+$/)
    }
  })

  test('echoes a sane client request id and replaces an insane one', async () => {
    const sane = await t.request('/health/live', { headers: { 'x-request-id': 'client-abc.123' } })
    expect(sane.headers.get('x-request-id')).toBe('client-abc.123')
    const insane = await t.request('/health/live', { headers: { 'x-request-id': 'a b\u00e9<script>' } })
    expect(insane.headers.get('x-request-id')).not.toBe('a b\u00e9<script>')
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  test('sends no CORS headers when no origin is configured', async () => {
    const response = await t.request('/health/live', { headers: { origin: 'https://evil.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('problem details', () => {
  test('an unknown route is a 404 problem whose request_id matches the header', async () => {
    const response = await t.request('/nope?x=1', { headers: { 'x-request-id': 'trace-1' } })
    const body = await expectProblem(response, 404)
    expect(body.instance).toBe('/nope')
    expect(body.request_id).toBe('trace-1')
  })

  test('a body over BODY_LIMIT is a 413 problem', async () => {
    const body = 'x'.repeat(t.ctx.config.BODY_LIMIT + 1)
    const response = await t.request('/health/live', {
      method: 'POST',
      body,
      headers: { 'content-length': String(body.length) },
    })
    await expectProblem(response, 413)
  })
})

const cors = await createTestApp({ CORS_ORIGINS: 'https://shop.example' })

describe('CORS', () => {
  afterAll(() => cors.close())

  test('allows a listed origin and no other', async () => {
    const allowed = await cors.request('/health/live', { headers: { origin: 'https://shop.example' } })
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const other = await cors.request('/health/live', { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example')
  })
})

describe('GET /health', () => {
  test('live is ok', async () => {
    const response = await t.request('/health/live')
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ status: 'ok' })
  })

  test('ready is ok on a migrated database', async () => {
    const response = await t.request('/health/ready')
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ status: 'ok', checks: { database: 'ok', migrations: 'ok' } })
  })

  test('ready is 503 before migrations', async () => {
    // PostgreSQL: a database of its own with nothing in it (test apps get migrated ones).
    const empty = onPostgres ? await emptyDatabase() : undefined
    const fresh = await createTestApp({}, { databaseUrl: empty?.url })
    try {
      if (!empty) sqliteOf(fresh).exec('DELETE FROM "__drizzle_migrations"')
      const response = await fresh.request('/health/ready')
      expect(response.status).toBe(503)
      expect((await json(response)).checks.migrations).toBe('pending')
    } finally {
      await fresh.close()
      await empty?.drop()
    }
  })
})

describe('GET /docs', () => {
  test('serves the page with its own assets and a CSP that allows only them', async () => {
    const page = await t.request('/docs')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('/docs/assets/swagger-ui-bundle.js')
    expect(html).not.toMatch(/https?:\/\//)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    for (const asset of ['/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css', '/docs/assets/init.js']) {
      const response = await t.request(asset)
      expect(response.status).toBe(200)
      expect((await response.text()).length).toBeGreaterThan(10)
    }
  })

  test('/docs/json is an OpenAPI 3.1 document with the password flow', async () => {
    const doc = await json(await t.request('/docs/json'))
    expect(doc.openapi).toStartWith('3.1')
    expect(doc.components.securitySchemes.oauth2.flows.password.tokenUrl).toBe('/token')
    expect(doc.paths['/health/ready'].get.responses['503']).toBeDefined()
    // Authenticated routes check the token in a parse hook; their JSON bodies must still be documented.
    const body = (path: string, method: string) => {
      const schema = doc.paths[path][method].requestBody.content['application/json'].schema
      return doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
    }
    expect(body('/orders', 'post').properties.items).toBeDefined()
    expect(body('/users/me', 'patch').properties.name).toBeDefined()
    for (const operations of Object.values<any>(doc.paths)) {
      for (const operation of Object.values<any>(operations)) {
        for (const response of Object.values<any>(operation.responses)) expect(response.description).toBeTruthy()
      }
    }
  })
})

describe('GET /metrics', () => {
  test('counts requests by route template', async () => {
    await t.request('/health/live')
    await afterResponseHooks()
    const text = await (await t.request('/metrics')).text()
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/)
    expect(text).toContain('http_request_duration_seconds_bucket')
    expect(text).toContain('process_cpu_user_seconds_total')
  })

  test('requires METRICS_TOKEN when set', async () => {
    const guarded = await createTestApp({ METRICS_TOKEN: 'scrape-me' })
    await expectProblem(await guarded.request('/metrics'), 401)
    await expectProblem(await guarded.request('/metrics', { token: 'wrong' }), 401)
    expect((await guarded.request('/metrics', { token: 'scrape-me' })).status).toBe(200)
    guarded.close()
  })
})

/** A new PostgreSQL database with no tables at all, as a server finds one before `kiosk migrate`. */
async function emptyDatabase() {
  const name = `kiosk_empty_${Bun.randomUUIDv7().replaceAll('-', '').slice(-12)}`
  await adminQuery(`CREATE DATABASE ${name}`)
  return { url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}
