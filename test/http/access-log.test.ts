import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { once } from 'node:events'
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { HEADERS_MAX } from '../../src/http/head-limits.ts'
import { pathOf } from '../../src/http/request.ts'
import { accessLine, createAccessLog, formatAccessLine, isoTime, jsonString } from '../../src/lib/access-log.ts'
import { createLogger } from '../../src/lib/logger.ts'
import { afterResponseHooks, createTestApp } from '../helpers.ts'

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

  test('durations and statuses are written as pino writes them', () => {
    const durations = [0, 0.004, 0.005, 0.015, 0.1, 0.125, 1, 1.1, 9.995, 10, 99.99, 100.5, 1234.567, 65536.01]
    for (let i = 0; i < 200; i++) durations.push(Math.random() * (i % 2 ? 20 : 20_000))
    for (const [i, durationMs] of durations.entries()) {
      const status = [200, 201, 304, 404, 503][i % 5]!
      const expected = pinoLine({ request_id: 'r', method: 'GET', route: '/x', path: '/x', status, duration_ms: Math.round(durationMs * 100) / 100, user_id: undefined })
      expect(formatAccessLine(new Date(JSON.parse(expected).time).getTime(), 'r', 'GET', '/x', '/x', status, durationMs, undefined)).toBe(expected)
    }
  })

  test('the time string is the millisecond\'s ISO time, also when it is reused and when the millisecond moves on', () => {
    const at = Date.parse('2026-12-01T10:00:00.998Z')
    for (const ms of [at, at, at + 1, at + 2, at + 2, at - 5000]) expect(isoTime(ms)).toBe(new Date(ms).toISOString())
  })

  test('the lines of one event-loop turn leave in one write, in order', async () => {
    const writes: string[] = []
    const log = createAccessLog({ write: (text: string) => void writes.push(text) })
    const entry = (requestId: string) => log.write(requestId, 'GET', '/x', '/x', 200, 1, undefined)
    entry('a')
    entry('b')
    entry('c')
    expect(writes).toEqual([])
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(writes.length).toBe(1)
    expect(writes[0]!.split('\n').filter(Boolean).map((line) => JSON.parse(line).request_id)).toEqual(['a', 'b', 'c'])
    entry('d')
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(writes.length).toBe(2)
    expect(JSON.parse(writes[1]!).request_id).toBe('d')
  })

  test('to a file, lines go out with the logger\'s own lines, in order, without passing through SonicBoom when it is idle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-access-'))
    try {
      const file = join(dir, 'log.jsonl')
      const destination = pino.destination({ dest: file, sync: false })
      await once(destination, 'ready')
      const logger = createLogger('info', destination)
      const viaSonicBoom: string[] = []
      const write = destination.write.bind(destination)
      destination.write = (text: string) => (viaSonicBoom.push(text), write(text))
      const log = createAccessLog(destination)
      const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
      for (let i = 0; i < 3; i++) log.write(`a${i}`, 'GET', '/x', '/x', 200, 1, undefined)
      await turn()
      expect(viaSonicBoom).toEqual([]) // SonicBoom had nothing queued: written directly
      logger.info('between')
      log.write('b0', 'GET', '/x', '/x', 200, 1, undefined)
      await turn()
      // SonicBoom's asynchronous write of 'between' (and maybe b0) done: idle again.
      const idle = async () => {
        while ((destination as unknown as { _writing: boolean })._writing) await Bun.sleep(1)
      }
      await idle()
      log.write('c0', 'GET', '/x', '/x', 200, 1, undefined)
      await turn()
      await idle()
      const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
      expect(lines.map((line) => line.request_id ?? line.msg)).toEqual(['a0', 'a1', 'a2', 'between', 'b0', 'c0'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('to a pipe that fills up, what cannot be written goes to SonicBoom from a line boundary, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-access-'))
    const fifo = join(dir, 'pipe')
    expect(Bun.spawnSync(['mkfifo', fifo]).exitCode).toBe(0)
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
    const writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
    try {
      // Fill the pipe but for 8 KiB: the turn's ~25 KB go out partly directly, then meet EAGAIN.
      const filler = Buffer.alloc(4096, 'x')
      for (;;) {
        try {
          writeSync(writer, filler)
        } catch {
          break
        }
      }
      readSync(reader, Buffer.alloc(8192))
      const destination = pino.destination({ fd: writer, sync: false })
      const log = createAccessLog(destination)
      for (let i = 0; i < 100; i++) log.write(`r${i}`, 'GET', '/x', `/x/${'é'.repeat(i % 7)}`, 200, 1, undefined)
      await new Promise<void>((resolve) => setImmediate(resolve))
      // Drain the pipe until all 100 lines arrived.
      let text = ''
      const chunk = Buffer.alloc(65536)
      const deadline = Date.now() + 10_000
      while (text.split('"msg":"request"').length <= 100 && Date.now() < deadline) {
        try {
          const n = readSync(reader, chunk)
          text += chunk.subarray(0, n).toString('latin1')
        } catch {
          await Bun.sleep(20)
        }
      }
      const lines = Buffer.from(text.replace(/^x+/, ''), 'latin1').toString('utf8').split('\n').filter(Boolean)
      expect(lines.map((line) => JSON.parse(line).request_id)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`))
      expect(lines.map((line) => JSON.parse(line).path)).toEqual(Array.from({ length: 100 }, (_, i) => `/x/${'é'.repeat(i % 7)}`))
    } finally {
      closeSync(reader)
      closeSync(writer)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('every request is counted and logged once: a route\'s answer and error, an unmatched path, a refused request head', async () => {
    const lines: Record<string, any>[] = []
    const logger = createLogger('info', { write: (text: string) => void lines.push(...text.split('\n').filter(Boolean).map((line) => JSON.parse(line))) })
    const t = await createTestApp({}, { logger })
    try {
      const answers = [
        await t.request('/health/live'),
        await t.request(`/products/${Bun.randomUUIDv7()}`),
        await t.request('/no/such/route'),
        await t.request('/health/live', { headers: { 'x-padding': 'x'.repeat(HEADERS_MAX) } }),
        await t.request('/products', { method: 'POST', json: {} }),
      ]
      expect(answers.map((response) => response.status)).toEqual([200, 404, 404, 431, 401])
      await afterResponseHooks()
      const logged = lines.filter((line) => line.msg === 'request')
      expect(logged.map((line) => [line.request_id, line.route, line.status])).toEqual([
        [answers[0]!.headers.get('x-request-id'), '/health/live', 200],
        [answers[1]!.headers.get('x-request-id'), '/products/:id', 404],
        [answers[2]!.headers.get('x-request-id'), 'unmatched', 404],
        [answers[3]!.headers.get('x-request-id'), 'unmatched', 431],
        [answers[4]!.headers.get('x-request-id'), '/products', 401],
      ])
      for (const line of logged) expect(line.duration_ms).toBeGreaterThanOrEqual(0)
      const text = await (await t.request('/metrics')).text()
      for (const [route, status] of [['/health/live', 200], ['/products/:id', 404], ['unmatched', 404], ['unmatched', 431], ['/products', 401]]) {
        expect(text).toContain(`http_requests_total{method="${route === '/products' ? 'POST' : 'GET'}",route="${route}",status="${status}"} 1\n`)
      }
    } finally {
      await t.close()
    }
  })

  test('pathOf drops scheme, host and query', () => {
    expect(pathOf('http://kiosk.test/products?q=1')).toBe('/products')
    expect(pathOf('http://127.0.0.1:3000/a/b')).toBe('/a/b')
    expect(pathOf('http://kiosk.test')).toBe('/')
  })
})
