import { describe, expect, test } from 'bun:test'
import { accessLine, pathOf } from '../../src/http/request.ts'
import { createLogger } from '../../src/lib/logger.ts'

/** What Kiosk's pino logger itself writes for a request entry. */
function pinoLine(fields: Record<string, unknown>): string {
  let written = ''
  createLogger('info', { write: (line: string) => void (written += line) }).info(fields, 'request')
  return written
}

describe('the request log line', () => {
  const entries = [
    { requestId: 'abc-1', method: 'GET', route: '/products/:id', path: '/products/1', status: 200, durationMs: 0.123456, userId: undefined },
    { requestId: 'trace:"q"', method: 'POST', route: 'unmatched', path: '/a%22b/\\c', status: 404, durationMs: 12, userId: 'u-1' },
  ]
  for (const entry of entries) {
    test(`is byte for byte what pino writes (${entry.method} ${entry.route})`, () => {
      const expected = pinoLine({
        request_id: entry.requestId,
        method: entry.method,
        route: entry.route,
        path: entry.path,
        status: entry.status,
        duration_ms: Math.round(entry.durationMs * 100) / 100,
        user_id: entry.userId,
      })
      const time = new Date(JSON.parse(expected).time)
      expect(accessLine(entry, time)).toBe(expected)
    })
  }

  test('pathOf drops scheme, host and query', () => {
    expect(pathOf('http://kiosk.test/products?q=1')).toBe('/products')
    expect(pathOf('http://127.0.0.1:3000/a/b')).toBe('/a/b')
    expect(pathOf('http://kiosk.test')).toBe('/')
  })
})
