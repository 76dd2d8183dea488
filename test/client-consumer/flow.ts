/**
 * A consumer of the `kiosk-client` package (dist/client): type-checked on its own by
 * test/client/client-package.test.ts (`tsc -p test/client-consumer`, DOM lib, strict) and run
 * against the compiled executable. It imports nothing of Kiosk but the package.
 */
import { createKioskClient, type Order, type OrderCreate, type Problem, type Product, type User } from 'kiosk-client'

export interface FlowResult {
  registered: User
  product: Product
  listed: string[]
  order: Order
  replay: { id: string; replayed: string | null; status: number }
  shortOfStock: { status: number; problem: Problem }
  fetched: Order
  /** GET /users/me through the admin's client with the buyer's token for that one call. */
  perCallUser: string
}

async function login(baseUrl: string, username: string, password: string): Promise<string> {
  const { data, error } = await createKioskClient(baseUrl).token.post({ grant_type: 'password', username, password })
  if (error) throw new Error(`login failed: ${error.status} ${JSON.stringify(error.value)}`)
  return data.access_token
}

/** Register, log in through /token, list products, order (per-call authorization + idempotency-key), replay, read back. */
export async function runFlow(baseUrl: string, admin: { email: string; password: string }): Promise<FlowResult> {
  const adminApi = createKioskClient(baseUrl, { token: await login(baseUrl, admin.email, admin.password) })
  const created = await adminApi.products.post({ sku: 'MUG-1', name: 'Client mug', price_cents: 1250, stock: 3 })
  if (created.error) throw new Error(`create product: ${created.error.status} ${JSON.stringify(created.error.value)}`)
  const product: Product = created.data

  const email = 'buyer@client.example'
  const password = 'a long buyer password'
  const anonymous = createKioskClient(baseUrl)
  const registration = await anonymous.auth.register.post({ email, password, name: 'Buyer' })
  if (registration.error) throw new Error(`register: ${registration.error.status}`)

  let token: string | undefined
  const buyer = createKioskClient(baseUrl, { token: () => token })
  token = await login(baseUrl, email, password)

  const page = await buyer.products.get({ query: { limit: 10, sort: 'name' } })
  if (page.error) throw new Error(`list: ${page.error.status}`)

  // The anonymous client with the token per call, next to the route's own idempotency-key header.
  const body: OrderCreate = { items: [{ product_id: product.id, quantity: 2 }], note: 'by kiosk-client' }
  const placed = await anonymous.orders.post(body, { headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'client-flow-1' } })
  if (placed.error) throw new Error(`order: ${placed.error.status} ${JSON.stringify(placed.error.value)}`)
  const again = await anonymous.orders.post(body, { headers: { 'idempotency-key': 'client-flow-1', authorization: `Bearer ${token}` } })
  if (again.error) throw new Error(`replay: ${again.error.status}`)

  const short = await buyer.orders.post({ items: [{ product_id: product.id, quantity: 5 }] })
  if (!short.error) throw new Error(`ordering 5 of the last unit succeeded: ${short.status}`)
  if (short.error.status !== 409) throw new Error(`short of stock: ${short.error.status}`)
  const problem: Problem = short.error.value

  const read = await buyer.orders({ id: placed.data.id }).get()
  if (read.error) throw new Error(`read: ${read.error.status}`)

  const me = await adminApi.users.me.get({ headers: { authorization: `Bearer ${token}` } })
  if (me.error) throw new Error(`me: ${me.error.status}`)

  return {
    registered: registration.data,
    product,
    listed: page.data.items.map((item) => item.name),
    order: placed.data,
    replay: { id: again.data.id, replayed: again.response.headers.get('idempotent-replayed'), status: again.status },
    shortOfStock: { status: short.status, problem },
    fetched: read.data,
    perCallUser: me.data.email,
  }
}

// The types are real, not `any`: each of these must be an error (tsc fails on an unused @ts-expect-error).
export function typeErrors(api: ReturnType<typeof createKioskClient>) {
  // @ts-expect-error quantity is a JSON integer, not a string
  void api.orders.post({ items: [{ product_id: 'p', quantity: '2' }] })
  // @ts-expect-error a product has no `price` (it is `price_cents`)
  void ((product: Product) => product.price)
  // @ts-expect-error no such route
  void api.basket.get()
  // @ts-expect-error the idempotency key is a string
  void api.orders.post({ items: [] }, { headers: { 'idempotency-key': 42 } })
}
