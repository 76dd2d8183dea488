import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import fc from 'fast-check'
import { createTestApp, createUser, expectProblem, json } from '../../helpers.ts'
import { createProduct } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// A search string can never make GET /products fail: 200 (perhaps empty) or a 422 problem, never a 5xx.
const t = await createTestApp()
beforeAll(async () => {
  const admin = await createUser(t, { role: 'admin' })
  await createProduct(t, admin.token, { name: 'Oak chair', description: 'A sturdy chair.', sku: 'FURN-OAK-1' })
  await createProduct(t, admin.token, { name: 'Pine table', description: 'Goes with "oak"', sku: 'FURN-PINE-2' })
})
afterAll(() => t.close())

const list = (params: Record<string, string>) => t.request(`/products?${new URLSearchParams(params)}`)

/** Pieces FTS5 or SQLite could read as syntax, and characters that have broken parsers before. */
const hostilePiece = fc.constantFrom(
  '\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\u200b', '\u2028', '\ufeff', '\ud800', '\udfff', '\ufffd',
  '"', '""', "'", '*', '^', '-', '+', ':', '(', ')', '{', '}', '[', ']', ',', ';', '\\', '%', '_',
  'NEAR(', 'NEAR/2', 'OR', 'AND', 'NOT', 'name:', '{name sku}:', 'x*y', '"a" "b"', 'oak', 'chair', ' ', '\t', '\n',
)
const searchString = fc.oneof(
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.string({ maxLength: 200, unit: 'grapheme' }),
  fc.array(fc.oneof(hostilePiece, fc.string({ maxLength: 4 })), { maxLength: 40 }).map((parts) => parts.join('')),
)

describe('GET /products?q= with any string', () => {
  test('a%00b (a NUL inside a word) is an empty page, not a 500', async () => {
    const response = await t.request('/products?q=a%00b')
    expect(response.status).toBe(200)
    expect(await json(response)).toEqual({ items: [], next_cursor: null })
  })

  test('a NUL or another control character separates words', async () => {
    for (const q of ['oak\u0000chair', 'oak\u0001chair', 'oak\u007fchair']) {
      const body = await json(await list({ q }))
      expect(body.items.map((p: { name: string }) => p.name)).toEqual(['Oak chair'])
    }
  })

  test('property: no search string, sorted or by relevance, gets a 5xx; refusals are 422 problems', async () => {
    await fc.assert(
      fc.asyncProperty(searchString, fc.constantFrom(undefined, 'name', '-price'), async (q, sort) => {
        const response = await list(sort ? { q, sort } : { q })
        if (response.status === 200) return
        const problem = await expectProblem(response, 422)
        expect(problem.errors[0].path).toBe('/q')
      }),
      { numRuns: 400, seed: 11 },
    )
  })
})
