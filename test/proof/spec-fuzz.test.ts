import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import { seedDataFolder } from '../e2e/data-folder.ts'
import { startKiosk, type RunningKiosk } from '../e2e/harness.ts'
import { startSmtp, type TestSmtp } from '../modules/email/smtp-server.ts'
import { hostileValue, nastyStrings, resolveRef, validValue, type Document, type Schema } from './openapi-arbitraries.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * Spec-driven fuzzing of the compiled executable: requests generated from the served
 * /docs/json for every operation (valid and hostile bodies, params, headers; with and without
 * tokens). Properties: no 5xx; every status is one the document declares; every error is a
 * problem document (the OAuth token endpoint's RFC 6749 bodies excepted); every 2xx JSON body
 * matches the declared schema. FUZZ_REQUESTS (default 5000) and FUZZ_SEED reproduce a run.
 */

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000)
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
const CONCURRENCY = 8
const OAUTH_ROUTES = new Set(['/token', '/token/revoke'])

interface Operation {
  method: string
  path: string
  spec: Record<string, any>
}

interface GeneratedRequest {
  /** A path parameter that is empty, `.` or `..` routes the request elsewhere: only no-5xx and problem bodies are judged. */
  escaped: boolean
  operation: Operation
  url: string
  init: { method: string; headers: Record<string, string>; body: string | undefined }
}

let kiosk: RunningKiosk
// Email is configured (a real SMTP server on loopback), so the email routes run their real paths instead of 503.
let smtp: TestSmtp
let doc: Document
const ids = new Set<string>(['00000000-0000-7000-8000-000000000000'])

beforeAll(async () => {
  const seeded = await seedDataFolder({
    users: [{ role: 'admin' }, { role: 'user' }],
    products: [{ sku: 'FUZZ-1', stock: 50 }, { sku: 'FUZZ-2', stock: 0 }],
  })
  for (const product of seeded.products) ids.add(product.id)
  for (const user of seeded.users) ids.add(user.id)
  smtp = await startSmtp()
  kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, WEBHOOK_ALLOW_PRIVATE: 'false', SMTP_URL: smtp.url } })
  doc = (await (await fetch(`${kiosk.url}/docs/json`)).json()) as Document
  tokens.admin = seeded.users[0]!.token
  tokens.user = seeded.users[1]!.token
})

afterAll(async () => {
  await kiosk?.stop()
  await smtp?.close()
})

const tokens = { admin: '', user: '' }

function operations(document: Document): Operation[] {
  const out: Operation[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, spec] of Object.entries(methods)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) out.push({ method: method.toUpperCase(), path, spec })
    }
  }
  return out
}

const authorization = fc.constantFrom<'none' | 'user' | 'admin' | 'garbage' | 'alg-none'>('none', 'user', 'admin', 'admin', 'user', 'garbage', 'alg-none')

function authHeader(kind: string): Record<string, string> {
  switch (kind) {
    case 'user':
      return { authorization: `Bearer ${tokens.user}` }
    case 'admin':
      return { authorization: `Bearer ${tokens.admin}` }
    case 'garbage':
      return { authorization: 'Bearer not.a.jwt' }
    case 'alg-none': {
      const [header, payload] = tokens.admin.split('.')
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
      return { authorization: `Bearer ${none}.${payload ?? header}.` }
    }
    default:
      return {}
  }
}

const pathValue = () => fc.oneof(fc.constantFrom(...ids), fc.uuid(), nastyStrings, fc.string({ maxLength: 20 }))

function requestFor(operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const parameters: any[] = operation.spec.parameters ?? []
  const pathParams = parameters.filter((p) => p.in === 'path')
  const queryParams = parameters.filter((p) => p.in === 'query')
  const bodySchema = operation.spec.requestBody?.content?.['application/json']?.schema as Schema | undefined
  const formSchema = operation.spec.requestBody?.content?.['application/x-www-form-urlencoded']?.schema as Schema | undefined
  const hasBody = Boolean(operation.spec.requestBody)

  const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue()])))
  const queryArb = fc.record(
    Object.fromEntries(
      queryParams.map((p) => [p.name, fc.oneof(validValue(doc, p.schema), nastyStrings, fc.string({ maxLength: 10 }))]),
    ),
    { requiredKeys: [] },
  )
  const bodyArb: fc.Arbitrary<{ type: string; body: string } | undefined> = hasBody
    ? fc.oneof(
        { weight: 4, arbitrary: validValue(doc, bodySchema ?? formSchema).map((v) => ({ type: 'application/json', body: JSON.stringify(v) })) },
        { weight: 3, arbitrary: hostileValue(doc, bodySchema ?? formSchema).map((v) => ({ type: 'application/json', body: JSON.stringify(v) ?? 'null' })) },
        { weight: 1, arbitrary: fc.constantFrom('{"a":', '', 'null', '[]', '\u0000').map((body) => ({ type: 'application/json', body })) },
        {
          weight: 1,
          arbitrary: validValue(doc, formSchema ?? bodySchema).map((v) => ({
            type: 'application/x-www-form-urlencoded',
            body: new URLSearchParams(
              Object.entries(v && typeof v === 'object' ? v : {}).map(([k, x]): [string, string] => [k, typeof x === 'string' ? x : (JSON.stringify(x) ?? '')]),
            ).toString(),
          })),
        },
        { weight: 1, arbitrary: fc.string().map((body) => ({ type: fc.sample(fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data'), 1)[0]!, body })) },
      )
    : fc.constant(undefined)

  return fc
    .record({
      path: pathArb,
      query: queryArb,
      body: bodyArb,
      auth: authorization,
      idempotencyKey: fc.option(fc.oneof(fc.uuid(), nastyStrings), { nil: undefined }),
      ifNoneMatch: fc.option(fc.constantFrom('"abc"', '*', 'W/"x"'), { nil: undefined }),
    })
    .map(({ path, query, body, auth, idempotencyKey, ifNoneMatch }) => {
      const values = path as Record<string, unknown>
      const concretePath = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(values[name] ?? 'x').toWellFormed()))
      const search = new URLSearchParams(
        Object.entries(query).map(([k, v]): [string, string] => [k, (typeof v === 'string' ? v : JSON.stringify(v) ?? '').toWellFormed()]),
      )
      const headers: Record<string, string> = { ...authHeader(auth) }
      if (body) headers['content-type'] = body.type
      if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '')
      if (ifNoneMatch) headers['if-none-match'] = ifNoneMatch
      const qs = search.toString()
      const escaped = Object.values(values).some((v) => ['', '.', '..'].includes(String(v)))
      return {
        escaped,
        operation,
        url: `${kiosk.url}${concretePath}${qs ? `?${qs}` : ''}`,
        init: { method: operation.method, headers, body: body?.body },
      }
    })
}

function declaredResponse(operation: Operation, status: number) {
  const responses = operation.spec.responses ?? {}
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default
}

describe('spec-driven fuzzing of dist/kiosk', () => {
  test(`${REQUESTS} generated requests: no 5xx, declared statuses, problem errors, valid 2xx bodies (seed ${SEED})`, async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
    addFormats(ajv)
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) ajv.addSchema(schema, `#/components/schemas/${name}`)

    const ops = operations(doc)
    expect(ops.length).toBeGreaterThanOrEqual(3)
    const samples = fc.sample(fc.oneof(...ops.map((op) => requestFor(op))), { numRuns: REQUESTS, seed: SEED })
    const failures: string[] = []
    const seen = new Map<string, Set<number>>()

    const check = async ({ operation, url, init, escaped }: GeneratedRequest) => {
      const response = await fetch(url, init)
      const text = await response.text()
      const where = `${init.method} ${url.replace(kiosk.url, '')} [${init.headers['content-type'] ?? '-'}] ${(init.body ?? '').slice(0, 120)}`
      const key = `${operation.method} ${operation.path}`
      if (!seen.has(key)) seen.set(key, new Set())
      seen.get(key)!.add(response.status)
      // Readiness answering its declared 503 is the probe working (a database busy past its 2 s bound on a
      // loaded machine): judged like any declared answer below, not as a server error.
      const readiness503 = response.status === 503 && operation.path === '/health/ready'
      if (response.status >= 500 && !readiness503) return failures.push(`${response.status} for ${where}: ${text.slice(0, 200)}`)
      // Bun itself refuses request lines and headers over its limits (431), before the app sees them.
      if (response.status === 431 && url.length > 8000) return
      if (escaped) {
        if (response.status >= 400 && !response.headers.get('content-type')?.startsWith('application/problem+json') && !OAUTH_ROUTES.has(new URL(url).pathname)) {
          failures.push(`non-problem ${response.status} for ${where}`)
        }
        return
      }
      const declared = declaredResponse(operation, response.status)
      if (!declared) return failures.push(`undeclared ${response.status} for ${where}: ${text.slice(0, 200)}`)
      if (response.status >= 400 && !OAUTH_ROUTES.has(operation.path) && !readiness503) {
        if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
          return failures.push(`non-problem ${response.status} for ${where}`)
        }
      }
      const contentType = response.headers.get('content-type') ?? ''
      if ((response.status < 300 || readiness503) && contentType.startsWith('application/json')) {
        const schema = resolveRef(doc, declared.content?.['application/json']?.schema)
        const body = JSON.parse(text)
        collectIds(body)
        if (schema && !ajv.validate(schema, body)) {
          failures.push(`2xx body does not match schema for ${where}: ${ajv.errorsText()} in ${text.slice(0, 200)}`)
        }
      }
    }

    for (let i = 0; i < samples.length; i += CONCURRENCY) {
      await Promise.all(samples.slice(i, i + CONCURRENCY).map(check))
      if (failures.length > 25) break
    }
    expect(failures).toEqual([])
    // Every operation was exercised.
    expect(seen.size).toBe(ops.length)
  }, 600_000)
})

function collectIds(value: unknown) {
  if (!value || typeof value !== 'object') return
  if (Array.isArray(value)) return value.forEach(collectIds)
  for (const [key, inner] of Object.entries(value)) {
    if ((key === 'id' || key.endsWith('_id')) && typeof inner === 'string' && ids.size < 500) ids.add(inner)
    else collectIds(inner)
  }
}
