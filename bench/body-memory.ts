/*
 * Memory under concurrent oversized chunked bodies (issue #11, item 4): N clients at once send a
 * chunked, deeply nested JSON body of SIZE bytes to POST /auth/register; the server's RSS is read
 * from /proc before and at its peak. The body reader holds at most BODY_LIMIT per request.
 *   bun bench/body-memory.ts [path/to/kiosk] [clients=16] [MiB=4.9]
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from './tools.ts'

const executable = resolve(process.argv[2] ?? 'dist/kiosk')
const clients = Number(process.argv[3] ?? 16)
const size = Math.round(Number(process.argv[4] ?? 4.9) * 1024 * 1024)
const port = freePort()
const child = Bun.spawn([executable, 'serve'], {
  cwd: mkdtempSync(join(tmpdir(), 'kiosk-bench-')),
  env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
  stdout: 'ignore',
  stderr: 'ignore',
})
const rssMiB = () => {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024
}
for (let i = 0; i < 100; i++) {
  if (await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false)) break
  await Bun.sleep(100)
}
const before = rssMiB()
let peak = before
const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 5)
const half = Math.floor((size - 12) / 2)
const body = new TextEncoder().encode(`{"email":${'['.repeat(half)}${']'.repeat(half)}}`)
const statuses = await Promise.all(
  Array.from({ length: clients }, async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < body.length; offset += 64 * 1024) controller.enqueue(body.subarray(offset, offset + 64 * 1024))
        controller.close()
      },
    })
    const response = await fetch(`http://127.0.0.1:${port}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream })
    await response.arrayBuffer()
    return response.status
  }),
)
clearInterval(sampler)
peak = Math.max(peak, rssMiB())
console.log(JSON.stringify({ executable, clients, bodyMiB: +(size / 1048576).toFixed(2), statuses: [...new Set(statuses)], rssBeforeMiB: Math.round(before), rssPeakMiB: Math.round(peak) }))
child.kill('SIGTERM')
await child.exited
