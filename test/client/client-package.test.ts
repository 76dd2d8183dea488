import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { emptyFolder, runKiosk, startKiosk, type RunningKiosk } from '../e2e/harness.ts'
import { ensureClientPackage, readmeTypedClientExamples, ROOT, typecheck, typecheckExample } from './tools.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const dist = join(ROOT, 'dist/client')
const admin = { email: 'owner@client.example', password: 'a long owner password' }

// Loaded at run time, not imported: the fixture belongs to its own project (test/client-consumer/tsconfig.json,
// which maps `kiosk-client` to dist/client) and is type-checked there, not by the root tsconfig.
const consumer = join(ROOT, 'test/client-consumer/flow.ts')
const loadFlow = async () => (await import(consumer)) as { runFlow(baseUrl: string, admin: { email: string; password: string }): Promise<any> }

beforeAll(ensureClientPackage, 120_000)

describe('bun run build:client', () => {
  test('emits a kiosk-client package whose declarations import only elysia and @elysiajs/eden', () => {
    const pkg = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'))
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.name).toBe('kiosk-client')
    expect(pkg.version).toBe(root.version)
    expect(pkg.exports['.']).toEqual({ types: './index.d.ts', import: './index.js', default: './index.js' })
    expect(pkg.peerDependencies).toEqual({ '@elysiajs/eden': root.devDependencies['@elysiajs/eden'], elysia: root.dependencies.elysia })
    expect(pkg.dependencies).toBeUndefined()

    const specifiers = (file: string) => [...readFileSync(join(dist, file), 'utf8').matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1])
    expect(specifiers('types.d.ts')).toEqual(['elysia'])
    expect(specifiers('index.d.ts')).toEqual(['@elysiajs/eden', 'elysia', './types.js', './types.js'])
    expect(specifiers('index.js')).toEqual(['@elysiajs/eden'])
    expect(readFileSync(join(dist, 'types.d.ts'), 'utf8')).not.toContain('import(')
  })

  test('declares App, Routes and every public model', () => {
    const types = readFileSync(join(dist, 'types.d.ts'), 'utf8')
    const declared = [...types.matchAll(/^export type (\w+) =/gm)].map((m) => m[1])
    for (const name of ['Routes', 'App', 'Product', 'ProductPage', 'Order', 'OrderCreate', 'OrderLine', 'User', 'Token', 'Problem', 'Webhook', 'Summary']) {
      expect(declared).toContain(name)
    }
  })
})

describe('a consumer project (test/client-consumer: DOM lib, strict, `types: []`)', () => {
  test('type-checks against dist/client with nothing of Kiosk source in the program', async () => {
    const { code, output, seconds } = await typecheck('test/client-consumer', '--listFiles')
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([])
    expect(code).toBe(0)
    const files = output.split('\n').filter(Boolean)
    expect(files.filter((file) => file.startsWith(join(ROOT, 'src/')))).toEqual([])
    for (const dependency of ['drizzle-orm', 'pino', 'lru-cache', 'prom-client', '@elysiajs/jwt', '@elysiajs/openapi']) {
      expect(files.filter((file) => file.includes(`/node_modules/${dependency}/`))).toEqual([])
    }
    expect(files).toContain(join(ROOT, 'dist/client/types.d.ts'))
    console.log(`tsc -p test/client-consumer: ${seconds.toFixed(1)} s, ${files.length} files`)
  }, 60_000)

  test("the README's kiosk-client example type-checks in such a project", async () => {
    const [example] = readmeTypedClientExamples()
    expect(example).toContain("from 'kiosk-client'")
    const { code, output } = await typecheckExample('kiosk-client', example!, 'test/client-consumer')
    expect(output.split('\n').filter((line) => line.includes('error TS'))).toEqual([])
    expect(code).toBe(0)
  }, 60_000)

  describe('runs register, login, list and order against the executable', () => {
    let kiosk: RunningKiosk
    beforeAll(async () => {
      const dir = emptyFolder('kiosk-client-')
      const env = { JWT_SECRET: 'a-client-test-secret-that-is-long-enough' }
      const created = await runKiosk(['create-admin', '--email', admin.email, '--password-stdin'], { dir, env, stdin: `${admin.password}\n` })
      if (created.code !== 0) throw new Error(`create-admin failed: ${created.stderr}`)
      kiosk = await startKiosk({ dir, env })
    }, 120_000)
    afterAll(async () => {
      await kiosk?.stop()
    })

    test('with per-call authorization and idempotency-key headers', async () => {
      const result = await (await loadFlow()).runFlow(kiosk.url, admin)
      expect(result.registered).toMatchObject({ email: 'buyer@client.example', name: 'Buyer', role: 'user' })
      expect(result.product).toMatchObject({ sku: 'MUG-1', name: 'Client mug', price_cents: 1250, stock: 3, active: true })
      expect(result.listed).toEqual(['Client mug'])
      expect(result.order).toMatchObject({ status: 'pending', total_cents: 2500, note: 'by kiosk-client', user_id: result.registered.id })
      expect(result.order.items).toEqual([
        { product_id: result.product.id, sku: 'MUG-1', name: 'Client mug', unit_price_cents: 1250, quantity: 2, line_total_cents: 2500 },
      ])
      // Timestamps stay strings, as the types say (Eden's date parsing is off).
      expect(typeof result.order.created_at).toBe('string')
      expect(result.replay).toEqual({ id: result.order.id, replayed: 'true', status: 201 })
      expect(result.shortOfStock.status).toBe(409)
      expect(result.shortOfStock.problem).toMatchObject({
        type: 'urn:kiosk:problem:conflict',
        status: 409,
        errors: [{ path: '/items/0/quantity', product_id: result.product.id, requested: 5, available: 1 }],
      })
      expect(result.fetched).toEqual(result.order)
      // A per-call authorization wins over the client's token.
      expect(result.perCallUser).toBe('buyer@client.example')
    })
  })
})
