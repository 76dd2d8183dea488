/**
 * Records which functions a typical start of `dist/kiosk` runs, into scripts/bytecode-order.txt,
 * which scripts/build.ts hands to `bun build --bytecode-order`: Bun then lays that bytecode out
 * together at the front of the executable, so a start reads fewer pages of it (measured by
 * bench/coldstart.ts and the idle RSS in the README). A file recorded from an older build still
 * applies: functions it does not know are laid out after the ones it lists. Run it again after
 * large changes:
 *
 *   bun run build && bun scripts/record-bytecode-order.ts && bun run build
 *
 * The run: `kiosk serve` on a new empty folder, then the requests of an ordinary day (health,
 * the catalog, sign-up and login, an order, an administrator's summary, a metrics scrape, the
 * OpenAPI document), then SIGTERM. Serving is the common start, so it is the only one recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, waitFor200 } from '../bench/tools.ts'

const root = resolve(import.meta.dir, '..')
const executable = resolve(root, 'dist/kiosk')
const orderFile = resolve(root, 'scripts/bytecode-order.txt')
const dir = mkdtempSync(join(tmpdir(), 'kiosk-bytecode-order-'))

const port = freePort()
const base = `http://127.0.0.1:${port}`
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, JWT_SECRET: 'r'.repeat(32), LOG_LEVEL: 'info' }

async function expectStatus(path: string, status: number, init: RequestInit = {}) {
  const response = await fetch(base + path, init)
  if (response.status !== status) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status}, expected ${status}: ${await response.text()}`)
  return response
}

const json = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
})

async function token(email: string, password: string): Promise<string> {
  const response = await expectStatus('/token', 200, { method: 'POST', body: new URLSearchParams({ grant_type: 'password', username: email, password }) })
  return ((await response.json()) as { access_token: string }).access_token
}

let server: Bun.Subprocess | undefined
try {
  const admin = Bun.spawnSync([executable, 'create-admin', '--email', 'admin@example.com', '--password-stdin'], { cwd: dir, env, stdin: new Blob(['admin-password-123\n']), stderr: 'pipe' })
  if (admin.exitCode !== 0) throw new Error(`create-admin failed: ${admin.stderr.toString()}`)

  server = Bun.spawn([executable, 'serve'], { cwd: dir, env: { ...env, BUN_BYTECODE_ORDER_OUT: orderFile }, stdout: 'ignore', stderr: 'inherit' })
  await waitFor200(`${base}/health/live`)
  await expectStatus('/health/ready', 200)
  const adminToken = await token('admin@example.com', 'admin-password-123')
  const product = (await (await expectStatus('/products', 201, json({ sku: 'MUG-BLUE', name: 'Blue mug', price_cents: 1250, stock: 100 }, adminToken))).json()) as { id: string }
  for (let i = 0; i < 20; i++) {
    const read = await expectStatus(`/products/${product.id}`, 200)
    await expectStatus(`/products/${product.id}`, 304, { headers: { 'if-none-match': read.headers.get('etag')! } })
  }
  await expectStatus('/products?limit=10&sort=-price', 200)
  await expectStatus('/products?q=mug', 200)
  await expectStatus('/auth/register', 201, json({ email: 'ada@example.com', password: 'customer-password-1', name: 'Ada' }))
  const ada = await token('ada@example.com', 'customer-password-1')
  for (let i = 0; i < 5; i++) await expectStatus('/orders', 201, json({ items: [{ product_id: product.id, quantity: 1 }] }, ada))
  await expectStatus('/orders', 200, { headers: { authorization: `Bearer ${ada}` } })
  await expectStatus('/no/such/route', 404)
  await expectStatus('/orders', 422, json({ items: [] }, ada))
  await expectStatus('/admin/reports/summary', 200, { headers: { authorization: `Bearer ${adminToken}` } })
  await expectStatus('/metrics', 200)
  await expectStatus('/docs/json', 200)
  server.kill('SIGTERM')
  if ((await server.exited) !== 0) throw new Error('kiosk serve did not exit 0')
  console.log(`recorded ${orderFile}`)
} finally {
  if (server && server.exitCode === null) server.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
