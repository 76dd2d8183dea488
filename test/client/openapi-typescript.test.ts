import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startKiosk } from '../e2e/harness.ts'
import { BASE, createTestApp, insertProduct, type TestApp } from '../helpers.ts'
import { ensureOpenapiTypes, readmeTypedClientExamples, ROOT, typecheck, typecheckExample } from './tools.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Loaded at run time: the fixture is its own project (test/client-consumer/openapi/tsconfig.json) and is type-checked there.
const consumer = join(ROOT, 'test/client-consumer/openapi/flow.ts')
const loadFlow = async () => (await import(consumer)) as { runOpenapiFlow(baseUrl: string, fetch: (request: Request) => Promise<Response>): Promise<any> }

beforeAll(ensureOpenapiTypes, 60_000)

describe('bun run openapi + openapi-typescript + openapi-fetch', () => {
  test('bun run openapi writes the document that a freshly started executable serves', async () => {
    const written = JSON.parse(readFileSync(join(ROOT, 'dist/openapi.json'), 'utf8'))
    // A fresh process, asked for the document first (as the script does): Elysia adds
    // `additionalProperties: false` to shared schemas as it compiles routes, so an app in a process
    // that has already served other apps (like this test file's) documents a few more of them.
    const kiosk = await startKiosk({ env: { JWT_SECRET: 'an-openapi-test-secret-that-is-long-enough' } })
    try {
      const served = await (await fetch(`${kiosk.url}/docs/json`)).json()
      expect(written).toEqual(served)
      expect(written.openapi).toBe('3.1.1')
    } finally {
      await kiosk.stop()
    }
  }, 60_000)

  test("openapi-typescript's output type-checks with real openapi-fetch calls (DOM lib, strict)", async () => {
    const { code, output, seconds } = await typecheck('test/client-consumer/openapi')
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([])
    expect(code).toBe(0)
    console.log(`tsc -p test/client-consumer/openapi: ${seconds.toFixed(1)} s`)
  }, 60_000)

  test("the README's openapi-fetch example type-checks against the generated kiosk-api.d.ts", async () => {
    const example = readmeTypedClientExamples()[1]
    expect(example).toContain("from 'openapi-fetch'")
    const { code, output } = await typecheckExample('openapi', example!, 'test/client-consumer/openapi', { 'kiosk-api.d.ts': 'dist/openapi/kiosk-api.d.ts' })
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([])
    expect(code).toBe(0)
  }, 60_000)

  describe('the openapi-fetch flow runs against the app', () => {
    let t: TestApp
    beforeAll(async () => {
      t = await createTestApp()
    })
    afterAll(() => t.close())

    test('register, form-encoded login, list, idempotent order, a problem', async () => {
      const cheap = await insertProduct(t, { name: 'Cheap pencil', priceCents: 150, stock: 10 })
      await insertProduct(t, { name: 'Dear pen', priceCents: 9900, stock: 10 })
      const result = await (await loadFlow()).runOpenapiFlow(BASE, (request) => t.app.handle(request))
      expect(result.registeredEmail).toBe('openapi@client.example')
      expect(result.tokenType).toBe('bearer')
      expect(result.products.map((product: { name: string }) => product.name)).toEqual(['Cheap pencil', 'Dear pen'])
      expect(result.order).toMatchObject({ status: 'pending', total_cents: 150, items: [{ product_id: cheap.id, quantity: 1, line_total_cents: 150 }] })
      expect(result.replayed).toBe('true')
      expect(result.missingProduct.status).toBe(422)
      expect(result.missingProduct.problem).toMatchObject({ type: 'urn:kiosk:problem:validation-failed', status: 422 })
      expect(result.missingProduct.problem.errors[0].path).toBe('/items/0/product_id')
    })
  })
})
