/**
 * A consumer of openapi-typescript's output for Kiosk's OpenAPI document, calling it with
 * openapi-fetch: type-checked on its own (`tsc -p test/client-consumer/openapi`, DOM lib, strict)
 * and run against the app by test/client/openapi-typescript.test.ts.
 */
import createClient from 'openapi-fetch'
import type { components, paths } from 'kiosk-api'

type Schemas = components['schemas']
export type Product = Schemas['Product']
export type Order = Schemas['Order']

export interface OpenapiFlowResult {
  registeredEmail: string
  tokenType: string
  products: Product[]
  order: Order
  replayed: string | null
  missingProduct: { status: number; problem: Schemas['Problem'] }
}

/** Register, log in (form-encoded, as RFC 6749 has it), list products, order the first one twice with one idempotency key. */
export async function runOpenapiFlow(baseUrl: string, fetch: (request: Request) => Promise<Response>): Promise<OpenapiFlowResult> {
  const api = createClient<paths>({ baseUrl, fetch })
  const credentials = { email: 'openapi@client.example', password: 'a long openapi password', name: 'OpenAPI buyer' }

  const registered = await api.POST('/auth/register', { body: credentials })
  if (!registered.data) throw new Error(`register: ${registered.response.status} ${JSON.stringify(registered.error)}`)

  const login = await api.POST('/token', {
    body: { grant_type: 'password', username: credentials.email, password: credentials.password },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
  })
  if (!login.data) throw new Error(`login: ${login.response.status} ${JSON.stringify(login.error)}`)
  const authorization = `Bearer ${login.data.access_token}`

  const list = await api.GET('/products', { params: { query: { limit: 5, sort: 'price' } } })
  if (!list.data) throw new Error(`list: ${list.response.status}`)
  const first = list.data.items[0]
  if (!first) throw new Error('the catalog is empty')

  const order = { items: [{ product_id: first.id, quantity: 1 }] }
  const options = { body: order, params: { header: { 'idempotency-key': 'openapi-flow-1' } }, headers: { authorization } }
  const placed = await api.POST('/orders', options)
  if (!placed.data) throw new Error(`order: ${placed.response.status} ${JSON.stringify(placed.error)}`)
  const again = await api.POST('/orders', options)
  if (!again.data) throw new Error(`replay: ${again.response.status}`)
  if (again.data.id !== placed.data.id) throw new Error('the replay made a second order')

  const missing = await api.POST('/orders', { body: { items: [{ product_id: 'no-such-product', quantity: 1 }] }, headers: { authorization } })
  if (!missing.error) throw new Error(`ordering an unknown product answered ${missing.response.status}`)

  return {
    registeredEmail: registered.data.email,
    tokenType: login.data.token_type,
    products: list.data.items,
    order: placed.data,
    replayed: again.response.headers.get('idempotent-replayed'),
    missingProduct: { status: missing.response.status, problem: missing.error },
  }
}

// The generated types are real, not `any`: each must be an error (tsc fails on an unused @ts-expect-error).
export function typeErrors(api: ReturnType<typeof createClient<paths>>) {
  // @ts-expect-error quantity is an integer, not a string
  void api.POST('/orders', { body: { items: [{ product_id: 'p', quantity: '1' }] } })
  // @ts-expect-error no such path
  void api.GET('/basket')
  // @ts-expect-error an order's total is total_cents
  void ((order: Order) => order.total)
}
