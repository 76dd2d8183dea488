import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { listeningUrls, serverOptions } from '../../src/http/server-options.ts'
import { createLogger } from '../../src/lib/logger.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// The Bun.serve options `kiosk serve` listens with (src/cli/serve.ts spreads serverOptions()).
const servers: ReturnType<typeof Bun.serve>[] = []
afterAll(() => {
  for (const server of servers) server.stop(true)
})

function serveThrowing(fail: () => never) {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', ...serverOptions({ logger: createLogger('silent'), config: { REQUEST_TIMEOUT: 10_000 } }), fetch: () => fail() })
  servers.push(server)
  return server
}

describe('the last-resort error handler', () => {
  for (const [kind, fail] of [
    ['an error escaping the app', () => { throw new Error('boom in /srv/kiosk/src/secret.ts') }],
    ['a stack overflow', () => { const recurse = (n: number): number => recurse(n + 1) + 1; recurse(0); throw new Error('unreachable') }],
  ] as const) {
    test(`${kind} is a 500 problem with the usual headers, never Bun's error page`, async () => {
      const server = serveThrowing(fail as () => never)
      const response = await fetch(server.url)
      expect(response.status).toBe(500)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      const id = response.headers.get('x-request-id')!
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(await response.json()).toEqual({
        type: 'urn:kiosk:problem:internal',
        title: 'Internal Server Error',
        status: 500,
        detail: 'An unexpected error occurred.',
        instance: `urn:uuid:${id}`,
        request_id: id,
      })
    })
  }

  test('development is off and Bun never refuses a body size itself', () => {
    const options = serverOptions({ logger: createLogger('silent'), config: { REQUEST_TIMEOUT: 10_000 } })
    expect(options.development).toBe(false)
    expect(options.maxRequestBodySize).toBe(Number.MAX_SAFE_INTEGER)
  })

  test('idleTimeout is REQUEST_TIMEOUT in whole seconds (0: never)', () => {
    expect(serverOptions({ logger: createLogger('silent'), config: { REQUEST_TIMEOUT: 45_000 } }).idleTimeout).toBe(45)
    expect(serverOptions({ logger: createLogger('silent'), config: { REQUEST_TIMEOUT: 0 } }).idleTimeout).toBe(0)
  })
})

describe('listeningUrls', () => {
  test('a server bound to every interface is reached on loopback', () => {
    expect(listeningUrls({ url: new URL('http://0.0.0.0:3000/') })).toEqual({ url: 'http://127.0.0.1:3000/', docs: 'http://127.0.0.1:3000/docs' })
    expect(listeningUrls({ url: new URL('http://[::]:3000/') })).toEqual({ url: 'http://[::1]:3000/', docs: 'http://[::1]:3000/docs' })
    expect(listeningUrls({ url: new URL('http://10.0.0.5:8080/') })).toEqual({ url: 'http://10.0.0.5:8080/', docs: 'http://10.0.0.5:8080/docs' })
  })
})
