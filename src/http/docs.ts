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

/**
 * Finishes the generated document: error responses are problem+json, and every response has a
 * description (OpenAPI requires one; linters reject a document without). A `t.Void()` response
 * (204, 304) has no content (the generator emits an invalid `content: {type: "void"}`), and a
 * binary string schema with `contentMediaType` (e.g. `image/*`) is served as that media type.
 */
function finish(document: OpenAPIDocument): OpenAPIDocument {
  stripErrorMessages(document.paths)
  for (const operations of Object.values<Record<string, any>>(document.paths ?? {})) {
    for (const operation of Object.values<any>(operations)) {
      operation.responses ??= {}
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
      }
    }
  }
  return document
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
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>`

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
export function docsPlugin(getApp: () => Elysia<any, any, any, any, any, any, any>) {
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
      components: { ...documentation.components, schemas: { ...components.schemas, Problem: ProblemSchema } },
    })
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
      '/docs/assets/init.js',
      ({ set }) => {
        set.headers['content-type'] = 'text/javascript; charset=utf-8'
        return INIT
      },
      { detail: { hide: true } },
    )
}
