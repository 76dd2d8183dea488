/*
 * Small helpers of the benchmark: the load generator (wrk), pinned processes, free ports,
 * readiness and peak memory. Linux-only where it reads /proc; everything else degrades.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export interface WrkResult {
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  requests: number
  /** Non-2xx/3xx responses plus socket errors: anything but 0 makes the figure suspect. */
  errors: number
}

/** Runs a command to completion; its stdout, or an error with both outputs. */
export async function run(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = Bun.spawn(command, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdout: 'pipe', stderr: 'pipe' })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  if (code !== 0) throw new Error(`${command.join(' ')} failed (${code}):\n${stdout}\n${stderr}`)
  return stdout
}

const which = (command: string) => Bun.which(command) !== null

/** Installs wrk from Debian when it is missing (needs root; says what to do otherwise). */
export async function ensureWrk() {
  if (which('wrk')) return
  console.log('wrk is missing: apt-get install -y wrk')
  const install = async () => (await Bun.spawn(['apt-get', 'install', '-y', '-qq', 'wrk'], { stdout: 'inherit', stderr: 'inherit' }).exited) === 0
  if (!(await install())) {
    await Bun.spawn(['apt-get', 'update', '-qq'], { stdout: 'inherit', stderr: 'inherit' }).exited
    if (!(await install())) throw new Error('could not install wrk; install it (apt-get install -y wrk) and run again')
  }
}

/** `taskset -c CPU` in front of a command when taskset exists and the machine has that CPU. */
export function pinned(cpu: number, command: string[]): string[] {
  return which('taskset') && navigator.hardwareConcurrency > cpu ? ['taskset', '-c', String(cpu), ...command] : command
}

/** Moves this process (every thread) to `cpu`, so its own work stays off the server's CPU. */
export function pinSelf(cpu: number) {
  if (which('taskset') && navigator.hardwareConcurrency > cpu) {
    Bun.spawnSync(['taskset', '-a', '-p', '-c', String(cpu), String(process.pid)], { stdout: 'ignore' })
  }
}

export function freePort(): number {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
}

/** Polls `url` until it answers 200; returns the milliseconds it took. */
export async function waitFor200(url: string, timeoutMs = 15_000): Promise<number> {
  const started = performance.now()
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return performance.now() - started
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`)
    await Bun.sleep(2)
  }
}

/** Resets the kernel's peak-RSS mark of a process (Linux: clear_refs 5), so the next reading is this phase's. */
export function resetPeakRss(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // not Linux or not allowed: the reading is then the peak since start
  }
}

/** Peak resident set size of a process in MiB (VmHWM), or null where /proc is missing. */
export function peakRssMiB(pid: number): number | null {
  const status = `/proc/${pid}/status`
  if (!existsSync(status)) return null
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(status, 'utf8'))
  return match ? Number(match[1]) / 1024 : null
}

const toMs = (value: string, unit: string) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1)

export function parseWrk(output: string): WrkResult {
  const latency = (percent: number) => {
    const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output)
    return match ? toMs(match[1]!, match[2]!) : Number.NaN
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)
  const requests = /(\d+) requests in/.exec(output)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  if (!rps) throw new Error(`could not read wrk's output:\n${output}`)
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: latency(50),
    p99Ms: latency(99),
    requests: Number(requests?.[1] ?? 0),
    errors: Number(non2xx?.[1] ?? 0) + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  }
}

/** One wrk run (1 thread, `connections` connections) pinned to `cpu`. */
export async function runWrk(options: {
  url: string
  seconds: number
  connections: number
  cpu: number
  script?: string
  env?: Record<string, string>
  /** wrk drops (and counts as a timeout) any answer slower than this; its default is 2 s. */
  timeoutSeconds?: number
}): Promise<WrkResult & { output: string }> {
  const command = pinned(options.cpu, [
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    ...(options.timeoutSeconds ? [`--timeout`, `${options.timeoutSeconds}s`] : []),
    ...(options.script ? ['-s', options.script] : []),
    options.url,
  ])
  const child = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, ...options.env } })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  if (code !== 0) throw new Error(`wrk failed (${code}): ${stderr}`)
  return { ...parseWrk(stdout), output: stdout }
}

export const median = (values: number[]) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (!sorted.length) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
