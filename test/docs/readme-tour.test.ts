import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { join } from 'node:path'
import { databaseEnv, EXECUTABLE, startKiosk, type RunningKiosk } from '../e2e/harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// The README's "Quick tour" block, run as written with bash against the compiled executable.
// Only `bun run kiosk --` is stood in for: it runs dist/kiosk in the server's folder, as
// `bun run kiosk --` runs the sources in a checkout.
const readme = await Bun.file(join(import.meta.dir, '../../README.md')).text()
const tour = /## Quick tour\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!

let kiosk: RunningKiosk
// The hook may have to build dist/kiosk first: give it the time a build takes on a busy machine.
beforeAll(async () => {
  kiosk = await startKiosk({ env: { JWT_SECRET: 'readme-tour-secret-that-is-long-enough!' } })
}, 60_000)
afterAll(async () => {
  await kiosk?.stop()
})

test('the Quick tour runs as written: admin, login, product, customer order, summary', async () => {
  const prelude = `set -euo pipefail
bun() { if [ "$1 $2 $3" = "run kiosk --" ]; then shift 3; ${JSON.stringify(EXECUTABLE)} "$@"; else command bun "$@"; fi; }
`
  const child = Bun.spawn(['bash', '-c', prelude + tour], {
    cwd: kiosk.dir,
    // PostgreSQL pass: the shell has the server's DATABASE_URL exported, as an operator's would.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', KIOSK: kiosk.url, ...(await databaseEnv(kiosk.dir)) },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  const [created, order, summary, ...rest] = stdout.split('\n')
  expect(created).toBe('created admin admin@example.com')
  expect(JSON.parse(order!)).toMatchObject({
    status: 'pending',
    total_cents: 2500,
    currency: 'USD',
    items: [{ sku: 'MUG-BLUE', name: 'Blue mug', unit_price_cents: 1250, quantity: 2, line_total_cents: 2500 }],
  })
  expect(JSON.parse(summary!)).toMatchObject({ orders: { count: 1, by_status: { pending: 1 } }, revenue_cents: 0 })
  expect(rest).toEqual([''])
})
