/**
 * Side-by-side cached-read comparison of several Kiosk executables against the raw Bun.serve
 * baseline (bench/peers/bun-raw.ts), for measuring one change at a time: each round starts every server
 * in turn (the order rotated every round), loads `GET /products/{id}` (an LRU hit) with wrk, and
 * prints each server's ratio to the baseline of the same round, then the medians. Servers are
 * pinned to CPU 0 and wrk to CPU 1, as in `bun run bench`. Not a test.
 *
 * Besides requests per second it reports the server's CPU time per request (utime + stime from
 * /proc over the measured run): on a machine shared with other work, throughput depends on how
 * much of the core the server got, while CPU per request does not, so its ratio
 * (baseline µs / server µs) is the steadier figure of the two.
 *
 *   bun bench/compare.ts [--rounds 5] [--seconds 4] [--warmup 1] [--connections 50] [--token] [--featured] EXECUTABLE...
 *   bun bench/compare.ts /tmp/kiosk-before dist/kiosk
 *
 * With --token every request carries a customer's valid access token (minted here with the
 * servers' secret, as Kiosk signs them), so each read also pays one token verification.
 * With --featured the raw peer with a production request's features by hand
 * (bench/peers/bun-featured.ts) is measured in the same rounds too.
 */
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { readFileSync } from 'node:fs'
import { createJwt } from '../src/context.ts'
import { freePort, median, parseWrk, pinned, waitFor200, type WrkResult } from './tools.ts'

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ 100)
}

const ROOT = resolve(import.meta.dir, '..')
const SECRET = 'bench-secret-that-is-at-least-32-bytes!'
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    token: { type: 'boolean', default: false },
    featured: { type: 'boolean', default: false },
  },
})
const executables = positionals.length ? positionals.map((p) => resolve(p)) : [join(ROOT, 'dist/kiosk')]

const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-compare-'))
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'production', JWT_SECRET: SECRET }
const seed = Bun.spawnSync([executables[0]!, 'seed', '--demo', '--products', '200', '--users', '5', '--orders', '20'], { cwd: dataDir, env, stdout: 'ignore', stderr: 'pipe' })
if (seed.exitCode !== 0) throw new Error(`seeding failed: ${seed.stderr}`)
const db = new Database(join(dataDir, 'kiosk.db'), { readonly: true })
const hotId = db.query<{ id: string }, []>('SELECT id FROM products WHERE active = 1 ORDER BY id LIMIT 1 OFFSET 100').get()!.id
const customer = db.query<{ id: string; token_version: number }, []>("SELECT id, token_version FROM users WHERE role = 'user' AND active = 1 LIMIT 1").get()!
db.close()
const headers: string[] = []
if (flags.token) {
  const token = await createJwt(SECRET).sign({
    sub: customer.id,
    role: 'user',
    ver: customer.token_version,
    sid: Bun.randomUUIDv7(),
    jti: Bun.randomUUIDv7(),
    exp: Math.floor(Date.now() / 1000) + 3600,
  })
  headers.push('-H', `Authorization: Bearer ${token}`)
}

/** One wrk run pinned to `cpu`, with the request headers above. */
async function runWrk(options: { url: string; seconds: number; connections: number; cpu: number }): Promise<WrkResult> {
  const command = pinned(options.cpu, ['wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency', ...headers, options.url])
  const child = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe' })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  if (code !== 0) throw new Error(`wrk failed (${code}): ${stderr}`)
  return parseWrk(stdout)
}

const peer = (name: string, file: string) => ({ name, command: (port: number) => [process.execPath, join(ROOT, file), '--db', join(dataDir, 'kiosk.db'), '--port', String(port)] })
const servers = [peer('Bun.serve', 'bench/peers/bun-raw.ts')]
  .concat(flags.featured ? [peer('bun-featured', 'bench/peers/bun-featured.ts')] : [])
  .concat(executables.map((file) => ({ name: file.replace(`${ROOT}/`, ''), command: () => [file, 'serve'] })))

const results = new Map<string, { rps: number[]; ratio: number[]; p99: number[]; cpuUs: number[]; cpuRatio: number[] }>(
  servers.map((s) => [s.name, { rps: [], ratio: [], p99: [], cpuUs: [], cpuRatio: [] }]),
)
const rounds = Number(flags.rounds)
for (let round = 0; round < rounds; round++) {
  const order = servers.map((_, i) => servers[(i + round) % servers.length]!)
  const rps = new Map<string, number>()
  const cpu = new Map<string, number>()
  for (const server of order) {
    const port = freePort()
    const child = Bun.spawn(pinned(0, server.command(port)), { cwd: dataDir, env: { ...env, PORT: String(port) }, stdout: 'ignore', stderr: 'inherit' })
    try {
      const url = `http://127.0.0.1:${port}`
      await waitFor200(`${url}/health/live`)
      const load = { url: `${url}/products/${hotId}`, connections: Number(flags.connections), cpu: 1 }
      await runWrk({ ...load, seconds: Number(flags.warmup) })
      const cpuBefore = cpuSeconds(child.pid)
      const result = await runWrk({ ...load, seconds: Number(flags.seconds) })
      cpu.set(server.name, ((cpuSeconds(child.pid) - cpuBefore) * 1e6) / result.requests)
      if (result.errors) console.log(`  ${server.name}: ${result.errors} errors`)
      rps.set(server.name, result.requestsPerSecond)
      results.get(server.name)!.p99.push(result.p99Ms)
    } finally {
      child.kill('SIGTERM')
      await child.exited
    }
  }
  const base = rps.get('Bun.serve')!
  const baseCpu = cpu.get('Bun.serve')!
  const line = servers.map((s) => {
    const r = rps.get(s.name)!
    const c = cpu.get(s.name)!
    const record = results.get(s.name)!
    record.rps.push(r)
    record.ratio.push(r / base)
    record.cpuUs.push(c)
    record.cpuRatio.push(baseCpu / c)
    return `${s.name} ${Math.round(r)} (${(r / base).toFixed(2)}; ${c.toFixed(1)} µs cpu, ${(baseCpu / c).toFixed(2)})`
  })
  console.log(`round ${round + 1}: ${line.join('  ')}`)
}
rmSync(dataDir, { recursive: true, force: true })
console.log(`\nmedians of ${rounds} rounds, wrk -t1 -c${flags.connections} -d${flags.seconds}s, cached GET /products/{id}${flags.token ? ' with an access token' : ''}`)
for (const s of servers) {
  const r = results.get(s.name)!
  console.log(
    `${s.name.padEnd(28)} ${String(Math.round(median(r.rps))).padStart(7)} req/s  ratio ${median(r.ratio).toFixed(2)}  p99 ${median(r.p99).toFixed(2)} ms  ` +
      `CPU ${median(r.cpuUs).toFixed(1)} µs/request  CPU ratio ${median(r.cpuRatio).toFixed(2)}`,
  )
}
