import { afterAll, beforeAll } from 'bun:test'
import { seedDataFolder, type SeededUser } from '../e2e/data-folder.ts'
import { startKiosk, type RunningKiosk } from '../e2e/harness.ts'

export interface Live {
  kiosk: RunningKiosk
  admin: SeededUser
  alice: SeededUser
  bob: SeededUser
  products: Awaited<ReturnType<typeof seedDataFolder>>['products']
  /** fetch against the running executable, with JSON and bearer conveniences. */
  call(path: string, init?: RequestInit & { json?: unknown; token?: string; headers?: Record<string, string> }): Promise<Response>
}

/**
 * One running executable per attack file, on a data folder seeded with an admin, two users
 * (alice, bob) and a few products. Register in a describe/file scope: `const live = useLive()`.
 */
export function useLive(env: Record<string, string> = {}): Live {
  const live = {} as Live
  beforeAll(async () => {
    const seeded = await seedDataFolder({
      users: [{ role: 'admin' }, { role: 'user' }, { role: 'user' }],
      products: [
        { sku: 'ATK-1', stock: 100, priceCents: 1000 },
        { sku: 'ATK-2', stock: 3, priceCents: 250 },
      ],
    })
    live.kiosk = await startKiosk({ dir: seeded.dir, env: { ...seeded.env, ...env } })
    ;[live.admin, live.alice, live.bob] = seeded.users as [SeededUser, SeededUser, SeededUser]
    live.products = seeded.products
    live.call = (path, init = {}) => {
      const { json, token, headers = {}, ...rest } = init
      const allHeaders: Record<string, string> = { ...headers }
      if (json !== undefined) allHeaders['content-type'] = 'application/json'
      if (token) allHeaders.authorization = `Bearer ${token}`
      return fetch(`${live.kiosk.url}${path}`, { ...rest, headers: allHeaders, body: json !== undefined ? JSON.stringify(json) : rest.body })
    }
  })
  afterAll(async () => {
    await live.kiosk?.stop()
  })
  return live
}

/** The body of a problem response, checking status and media type. */
export async function problem(response: Response, status: number) {
  const text = await response.text()
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text.slice(0, 300)}`)
  if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
    throw new Error(`expected a problem document, got ${response.headers.get('content-type')}: ${text.slice(0, 200)}`)
  }
  return JSON.parse(text) as { type: string; title: string; status: number; detail: string; errors?: unknown[] }
}
