import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { pathOf } from '../../src/http/request.ts'
import { accessLine, createAccessLog, isoTime, jsonString } from '../../src/lib/access-log.ts'
import { createLogger } from '../../src/lib/logger.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

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
      expect(accessLine(entry, time.getTime())).toBe(expected)
    })
  }

  test('a line with characters to escape in every string field is still what pino writes', () => {
    const entry = { requestId: 'id\\1', method: 'GET', route: '/a/"b"', path: '/caf\u00e9/\u0001\n', status: 200, durationMs: 1.005, userId: 'u"\u2028' }
    const expected = pinoLine({ request_id: entry.requestId, method: entry.method, route: entry.route, path: entry.path, status: 200, duration_ms: Math.round(entry.durationMs * 100) / 100, user_id: entry.userId })
    expect(accessLine(entry, new Date(JSON.parse(expected).time).getTime())).toBe(expected)
    for (const value of ['', 'plain', 'a"b', 'a\\b', '\u0000', '\u007f', 'é', '\ud800']) expect(jsonString(value)).toBe(JSON.stringify(value))
  })

  test('the time string is the millisecond\'s ISO time, also when it is reused and when the millisecond moves on', () => {
    const at = Date.parse('2026-12-01T10:00:00.998Z')
    for (const ms of [at, at, at + 1, at + 2, at + 2, at - 5000]) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })

  test('the lines of one event-loop turn leave in one write, in order', async () => {
    const writes: string[] = []
    const log = createAccessLog({ write: (text: string) => void writes.push(text) })
    const entry = (requestId: string) => ({ requestId, method: 'GET', route: '/x', path: '/x', status: 200, durationMs: 1, userId: undefined })
    log.write(entry('a'))
    log.write(entry('b'))
    log.write(entry('c'))
    expect(writes).toEqual([])
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(writes.length).toBe(1)
    expect(writes[0]!.split('\n').filter(Boolean).map((line) => JSON.parse(line).request_id)).toEqual(['a', 'b', 'c'])
    log.write(entry('d'))
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(writes.length).toBe(2)
    expect(JSON.parse(writes[1]!).request_id).toBe('d')
  })

  test('pathOf drops scheme, host and query', () => {
    expect(pathOf('http://kiosk.test/products?q=1')).toBe('/products')
    expect(pathOf('http://127.0.0.1:3000/a/b')).toBe('/a/b')
    expect(pathOf('http://kiosk.test')).toBe('/')
  })
})
