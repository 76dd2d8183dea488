import { toOpenAPISchema } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
// The docs page's assets travel inside the executable: no CDN, so it renders with no network at all.
import swaggerCss from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import swaggerBundle from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import { version } from '../../package.json'
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from './problem.ts'

const DESCRIPTION = `Kiosk is a commerce API in one executable: users, a product catalog, orders, admin reports and
outbound webhooks over an embedded SQLite database.

* JSON in and out; errors are RFC 9457 problem documents (\`application/problem+json\`).
* Authenticate with **Authorize** (OAuth2 password flow against \`POST /token\`), then call protected routes.
* Lists are cursor-paginated: \`?limit=\` (1..100, default 20) and \`?cursor=\` from \`next_cursor\`.
* Money is integer minor units (\`*_cents\`); timestamps are ISO 8601 UTC; ids are opaque UUIDv7 strings.
* String lengths count Unicode code points.`

export const TAGS = [
  { name: 'Identity', description: 'Accounts, tokens and user management' },
  { name: 'Catalog', description: 'Products, search and images' },
  { name: 'Orders', description: 'Ordering, status and history' },
  { name: 'Reports', description: 'Admin reports and snapshots' },
  { name: 'Webhooks', description: 'Outbound event subscriptions' },
  { name: 'Email', description: 'The outgoing mail outbox' },
  { name: 'Operations', description: 'Health and metrics' },
]

const documentation = {
  info: { title: 'Kiosk API', version, description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
  tags: TAGS,
  components: {
    securitySchemes: {
      metricsToken: { type: 'http', scheme: 'bearer', description: 'The METRICS_TOKEN setting, when set' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /token' },
      oauth2: {
        type: 'oauth2',
        description: 'Resource owner password flow: username is the email',
        flows: { password: { tokenUrl: '/token', refreshUrl: '/token', scopes: {} } },
      },
    },
  },
}

type OpenAPIDocument = Record<string, any>

export interface DocsOptions {
  /** METRICS_TOKEN is set: GET /metrics needs it, and the document offers its scheme. */
  metricsToken: boolean
}

/**
 * Finishes the generated document: error responses are problem+json, and every response has a
 * description (OpenAPI requires one; linters reject a document without). A `t.Void()` response
 * (204, 304) has no content (the generator emits an invalid `content: {type: "void"}`), and a
 * binary string schema with `contentMediaType` (e.g. `image/*`) is served as that media type.
 */
function finish(document: OpenAPIDocument, options: DocsOptions): OpenAPIDocument {
  stripErrorMessages(document.paths)
  for (const operations of Object.values<Record<string, any>>(document.paths ?? {})) {
    for (const operation of Object.values<any>(operations)) {
      operation.responses ??= {}
      // `getAdminReportsOrders.csv`: generated clients turn operationIds into identifiers.
      if (typeof operation.operationId === 'string') operation.operationId = identifier(operation.operationId)
      for (const parameter of operation.parameters ?? []) {
        parameter.schema = plainIntegers(parameter.schema)
        // Swagger UI's "Try it out" pre-fills examples: a filter pre-filled changes the answer.
        if (parameter.in === 'query') {
          delete parameter.example
          delete parameter.examples
          delete parameter.schema?.examples
          delete parameter.schema?.example
        }
      }
      // The metrics scheme is offered only where it exists: with METRICS_TOKEN set.
      if (operation.security?.some((s: Record<string, unknown>) => 'metricsToken' in s)) {
        operation.security = options.metricsToken ? [{ metricsToken: [] }] : []
      }
      // OAuth clients post forms; routes marked so accept JSON too, and both are documented.
      if (operation['x-form-or-json'] && operation.requestBody?.content?.['application/json']) {
        const json = operation.requestBody.content['application/json']
        operation.requestBody.content = { 'application/x-www-form-urlencoded': json, 'application/json': json }
      }
      delete operation['x-form-or-json']
      // Public operations say so explicitly (linters require security on every operation).
      operation.security ??= []
      for (const status of crossCuttingStatuses(operation)) {
        operation.responses[status] ??= {
          description: CROSS_CUTTING[status],
          content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
        }
      }
      if (operation.requestBody && !Object.keys(operation.requestBody.content ?? {}).length) delete operation.requestBody
      for (const [status, response] of Object.entries<any>(operation.responses ?? {})) {
        // A bodiless response (t.Void/t.Undefined, e.g. 204) comes out as a bare schema in place
        // of a media-type map, which is invalid: it has no content at all.
        if (typeof response.content?.type === 'string') {
          response.description ||= response.content.description
          delete response.content
        }
        response.description ||= response.content?.['application/json']?.schema?.description || `HTTP ${status}`
        const binary = response.content?.['text/plain']?.schema
        if (binary?.format === 'binary' && typeof binary.contentMediaType === 'string') {
          response.content = { [binary.contentMediaType]: { schema: binary } }
        }
        const json = response.content?.['application/json']
        // Only problem documents are problem+json: the token endpoint's RFC 6749 errors are plain JSON.
        if (Number(status) >= 400 && json && isProblemSchema(json.schema)) response.content = { [PROBLEM_CONTENT_TYPE]: json }
        // A string body with its own media type (e.g. text/csv) is documented under that type.
        const text = response.content?.['text/plain']
        if (text?.schema?.contentMediaType) response.content = { [text.schema.contentMediaType]: text }
        // Responses are always sent as JSON numbers: the coercion a shared schema allows is not theirs.
        for (const media of Object.values<any>(response.content ?? {})) media.schema = plainIntegers(media.schema)
      }
    }
  }
  nullableEnums(document.paths)
  document.components.schemas = { ...document.components.schemas, ...nullableEnums(plainIntegers(document.components.schemas)) }
  hoistNamedSchemas(document)
  if (!options.metricsToken) delete document.components.securitySchemes.metricsToken
  return document
}

/** `getAdminReportsOrders.csv` → `getAdminReportsOrdersCsv`. */
const identifier = (id: string) => id.replace(/[^A-Za-z0-9]+([A-Za-z0-9]?)/g, (_, next: string) => next.toUpperCase())

/** Elysia's coercing integer (`t.Integer`, `t.Numeric`): `anyOf: [{type: string, format: integer|numeric}, {type: integer}]`. */
const isCoercingNumber = (node: any): boolean =>
  Array.isArray(node?.anyOf) &&
  node.anyOf.length === 2 &&
  node.anyOf[0]?.type === 'string' &&
  (node.anyOf[0]?.format === 'integer' || node.anyOf[0]?.format === 'numeric') &&
  (node.anyOf[1]?.type === 'integer' || node.anyOf[1]?.type === 'number')

/**
 * Documents Elysia's coercing integers as what they are on the wire: a path or query parameter is
 * text serialising an integer (OpenAPI's `type: integer` parameter), a response member a JSON number.
 * Never applied to request bodies, whose schemas are documented as they validate (see lib/schema.ts).
 */
function plainIntegers(node: any): any {
  if (Array.isArray(node)) return node.map(plainIntegers)
  if (!node || typeof node !== 'object') return node
  if (isCoercingNumber(node)) {
    const { anyOf, ...outer } = node
    return { ...outer, ...anyOf[1] }
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, plainIntegers(value)]))
}

/**
 * `t.Union([enum, t.Null()])` comes out as `type: [string, null]` with an `enum` that lacks null,
 * which no value of null can pass: null joins the enum.
 */
function nullableEnums<T>(node: T): T {
  if (Array.isArray(node)) node.forEach(nullableEnums)
  else if (node && typeof node === 'object') {
    const record = node as Record<string, any>
    if (Array.isArray(record.enum) && Array.isArray(record.type) && record.type.includes('null') && !record.enum.includes(null)) {
      record.enum.push(null)
    }
    Object.values(record).forEach(nullableEnums)
  }
  return node
}

/**
 * Every schema with a `title` (the resources and request bodies of the model files, `Problem`) is
 * moved into `components.schemas` under that name and referenced with `$ref`, so generated clients
 * get importable types. An occurrence may differ from the named schema only in its `description`
 * (a response's own wording), which stays beside the `$ref`. One that differs otherwise (two models
 * sharing a name by mistake) stays inline, so the document is never wrong; a test finds it.
 */
function hoistNamedSchemas(document: OpenAPIDocument) {
  const named: Record<string, any> = document.components.schemas
  const canonical = (schema: any) => JSON.stringify({ ...schema, description: undefined })
  const visit = (node: any): any => {
    if (Array.isArray(node)) return node.map(visit)
    if (!node || typeof node !== 'object') return node
    const inner = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value)]))
    const name = typeof inner.title === 'string' && inner.type === 'object' ? inner.title : undefined
    if (!name) return inner
    const existing = named[name]
    if (existing && canonical(existing) !== canonical(inner)) return inner
    if (!existing) named[name] = inner
    return inner.description && inner.description !== named[name].description
      ? { $ref: `#/components/schemas/${name}`, description: inner.description }
      : { $ref: `#/components/schemas/${name}` }
  }
  document.paths = visit(document.paths)
  for (const [name, schema] of Object.entries<any>({ ...named })) {
    // Named schemas nest (an Order holds OrderLines): their own members are referenced too.
    named[name] = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'title' ? value : visit(value)]))
  }
}

const isProblemSchema = (schema: any): boolean =>
  typeof schema?.$ref === 'string'
    ? schema.$ref.endsWith('/Problem')
    : Boolean(schema?.properties && 'detail' in schema.properties && 'status' in schema.properties)


interface RouteLike {
  method: string
  path: string
  hooks: { body?: unknown }
}

/**
 * The auth macros check the token in a parse hook (so an anonymous caller gets 401 before the body
 * is parsed), and the generator documents no media type for a route whose parse hooks are all
 * functions: every authenticated route with a body came out without one. Such bodies are JSON;
 * their TypeBox schema is JSON Schema as it stands.
 */
function documentJsonBodies(routes: RouteLike[], paths: Record<string, Record<string, any>>) {
  for (const route of routes) {
    if (!route.hooks.body) continue
    const operation = paths[route.path.replace(/:([^/]+)/g, '{$1}')]?.[route.method.toLowerCase()]
    if (!operation || Object.keys(operation.requestBody?.content ?? {}).length) continue
    operation.requestBody = { required: true, content: { 'application/json': { schema: JSON.parse(JSON.stringify(route.hooks.body)) } } }
  }
}

/** Responses the cross-cutting plugins can give any operation of a kind, so each need not repeat them. */
const CROSS_CUTTING: Record<string, string> = {
  '400': 'Bad Request: the body could not be parsed (problem details)',
  '401': 'Unauthorized: missing, invalid, expired or revoked access token (problem details, WWW-Authenticate)',
  '403': 'Forbidden: authenticated but not allowed (problem details)',
  '404': 'Not Found: no such resource, or not yours (problem details)',
  '413': 'Payload Too Large: the body is over the limit (problem details)',
  '414': 'URI Too Long: the request target is over 8 KiB (problem details)',
  '415': 'Unsupported Media Type: the body is not application/json (the token endpoints also take forms) (problem details)',
  '422': 'Unprocessable Content: validation failed; `errors` names each field (problem details)',
  '431': 'Request Header Fields Too Large: the header fields are over 16 KiB (problem details)',
}

function crossCuttingStatuses(operation: any): string[] {
  // Any request can be refused for the size of its head (src/http/head-limits.ts).
  const statuses: string[] = ['414', '431']
  const parameters: any[] = operation.parameters ?? []
  if (operation.requestBody) statuses.push('400', '413', '415', '422')
  if (parameters.some((p) => p.in === 'query')) statuses.push('422')
  if (parameters.some((p) => p.in === 'path')) statuses.push('404', '422')
  const security: Record<string, unknown>[] = operation.security ?? []
  const required = security.length > 0 && !security.some((s) => Object.keys(s).length === 0)
  if (required && !security.some((s) => 'metricsToken' in s)) statuses.push('401', '403')
  return statuses
}

/**
 * Removes Elysia's custom validation messages (`error: "must be ..."` on a schema) from the
 * document: not a JSON Schema keyword, so OpenAPI linters reject it in parameter schemas. A
 * property that happens to be named `error` is a schema object, not a string, and stays.
 */
function stripErrorMessages(node: unknown) {
  if (!node || typeof node !== 'object') return
  const record = node as Record<string, unknown>
  if (typeof record.error === 'string') delete record.error
  for (const value of Object.values(record)) stripErrorMessages(value)
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Kiosk API</title>
  <link rel="icon" href="/docs/assets/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`

/** The docs page's icon: a small shop awning, inline so it travels inside the executable. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f6feb"/><path d="M6 12h20l-2-6H8z" fill="#fff"/><path d="M8 14h16v12H8z" fill="#fff" opacity=".85"/><path d="M13 18h6v8h-6z" fill="#1f6feb"/></svg>`

const INIT = `window.ui = SwaggerUIBundle({
  url: '/docs/json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
  tryItOutEnabled: true,
});`

/** Swagger UI needs inline styles and data: images; nothing else, and nothing from another origin. */
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/**
 * GET /docs (Swagger UI, served from the executable) and GET /docs/json (the OpenAPI 3.1 document
 * the OpenAPI plugin's generator builds from every route's schemas). `getApp` is the finished app,
 * so the document covers the routes registered after this plugin too.
 */
export function docsPlugin(getApp: () => Elysia<any, any, any, any, any, any, any>, options: DocsOptions = { metricsToken: false }) {
  let cached: { routes: number; document: OpenAPIDocument } | undefined
  const build = () => {
    const app = getApp()
    if (cached?.routes === app.routes.length) return cached.document
    // staticFile: false, or routes with a dot (`/admin/reports/orders.csv`) vanish from the document;
    // the docs' own asset routes are hidden individually.
    const { paths, components } = toOpenAPISchema(app, { staticFile: false }, undefined, undefined, '3.1.1')
    documentJsonBodies(app.routes as RouteLike[], paths as Record<string, Record<string, any>>)
    const document = finish({
      openapi: '3.1.1',
      ...documentation,
      servers: [{ url: '/', description: 'This server' }],
      paths,
      components: { securitySchemes: { ...documentation.components.securitySchemes }, schemas: { ...components.schemas, Problem: structuredClone(ProblemSchema) } },
    }, options)
    cached = { routes: app.routes.length, document }
    return document
  }
  const asset = (path: string, type: string) => () =>
    new Response(Bun.file(path), { headers: { 'content-type': type, 'cache-control': 'public, max-age=86400' } })

  return new Elysia({ name: 'kiosk/docs', detail: { hide: true } })
    .get('/docs/json', () => build(), { detail: { hide: true } })
    .get(
      '/docs',
      ({ set }) => {
        set.headers['content-security-policy'] = DOCS_CSP
        set.headers['content-type'] = 'text/html; charset=utf-8'
        return PAGE
      },
      { detail: { hide: true } },
    )
    .get('/docs/assets/swagger-ui.css', asset(swaggerCss, 'text/css; charset=utf-8'), { detail: { hide: true } })
    .get('/docs/assets/swagger-ui-bundle.js', asset(swaggerBundle, 'text/javascript; charset=utf-8'), { detail: { hide: true } })
    .get(
      '/docs/assets/favicon.svg',
      () => new Response(FAVICON, { headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' } }),
      { detail: { hide: true } },
    )
    .get(
      '/docs/assets/init.js',
      ({ set }) => {
        set.headers['content-type'] = 'text/javascript; charset=utf-8'
        return INIT
      },
      { detail: { hide: true } },
    )
}
