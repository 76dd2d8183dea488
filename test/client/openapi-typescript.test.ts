import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BASE, createTestApp, insertProduct, type TestApp } from '../helpers.ts'
import { ensureOpenapiTypes, readmeTypedClientExamples, ROOT, typecheck, typecheckExample } from './tools.ts'

// Loaded at run time: the fixture is its own project (test/client-consumer/openapi/tsconfig.json) and is type-checked there.
const consumer = join(ROOT, 'test/client-consumer/openapi/flow.ts')
const loadFlow = async () => (await import(consumer)) as { runOpenapiFlow(baseUrl: string, fetch: (request: Request) => Promise<Response>): Promise<any> }

beforeAll(ensureOpenapiTypes, 60_000)

describe('bun run openapi + openapi-typescript + openapi-fetch', () => {
  test('bun run openapi writes the document the app serves', async () => {
    const written = JSON.parse(readFileSync(join(ROOT, 'dist/openapi.json'), 'utf8'))
    const t = createTestApp({ NODE_ENV: 'production' })
    try {
      const served = await (await t.request('/docs/json')).json()
      expect(written).toEqual(served)
      expect(written.openapi).toBe('3.1.1')
    } finally {
      t.close()
    }
  })

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
    beforeAll(() => {
      t = createTestApp()
    })
    afterAll(() => t.close())

    test('register, form-encoded login, list, idempotent order, a problem', async () => {
      const cheap = insertProduct(t, { name: 'Cheap pencil', priceCents: 150, stock: 10 })
      insertProduct(t, { name: 'Dear pen', priceCents: 9900, stock: 10 })
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
