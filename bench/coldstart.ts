/**
 * Executable size and cold start: exec of `dist/kiosk` to its first 200 on /health/live, median
 * of 10 runs, on an already-migrated database (the first, migrating start is not counted). Next to
 * the wall time, the CPU time each whole run used (start, that request, SIGTERM, exit; every
 * thread), from the kernel: steadier than wall time on a shared machine, where another guest's
 * load moves the latter by tens of milliseconds.
 *
 * `--floor` measures, in the same runs (taken in turn), the start-up floor of Kiosk's stack:
 * bench/peers/elysia-floor.ts, an app of Kiosk's shape and size with none of Kiosk's code, compiled
 * with the executable's own flags (scripts/compile-flags.ts).
 *
 *   bun bench/coldstart.ts [path/to/kiosk] [--floor]   (standalone; bench/run.ts calls measureColdStarts)
 */
import { $ } from 'bun'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { COMPILE_FLAGS } from '../scripts/compile-flags.ts'
import { freePort, median, pinned, waitFor200 } from './tools.ts'

export interface ColdStart {
  executableBytes: number
  medianMs: number
  samplesMs: number[]
  cpuMedianMs: number
  cpuSamplesMs: number[]
}

/** One start of `executable serve` on `dir`: wall time to the first 200 and the CPU time of the whole run. */
async function startOnce(executable: string, dir: string): Promise<{ wallMs: number; cpuMs: number }> {
  const port = freePort()
  const started = performance.now()
  const child = Bun.spawn(pinned(0, [executable, 'serve']), {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  await waitFor200(`http://127.0.0.1:${port}/health/live`)
  const wallMs = performance.now() - started
  child.kill('SIGTERM')
  await child.exited
  return { wallMs, cpuMs: Number(child.resourceUsage()!.cpuTime.total) / 1000 }
}

/**
 * The cold start of each executable, `runs` times, the executables taken in turn within each run
 * so that the machine's drift reaches all alike. Each has a data folder of its own; its first
 * start (which creates and migrates the database) is not counted.
 */
export async function measureColdStarts(executables: string[], options: { dataDirs?: string[]; runs?: number } = {}): Promise<ColdStart[]> {
  const runs = options.runs ?? 10
  const dirs = executables.map((_, i) => options.dataDirs?.[i] ?? mkdtempSync(join(tmpdir(), 'kiosk-coldstart-')))
  const samples = executables.map(() => ({ wall: [] as number[], cpu: [] as number[] }))
  for (let i = 0; i <= runs; i++) {
    for (const [index, executable] of executables.entries()) {
      const { wallMs, cpuMs } = await startOnce(executable, dirs[index]!)
      if (i === 0) continue
      samples[index]!.wall.push(wallMs)
      samples[index]!.cpu.push(cpuMs)
    }
  }
  for (const [index, dir] of dirs.entries()) if (!options.dataDirs?.[index]) rmSync(dir, { recursive: true, force: true })
  return executables.map((executable, index) => ({
    executableBytes: statSync(executable).size,
    medianMs: median(samples[index]!.wall),
    samplesMs: samples[index]!.wall,
    cpuMedianMs: median(samples[index]!.cpu),
    cpuSamplesMs: samples[index]!.cpu,
  }))
}

/** Compiles bench/peers/elysia-floor.ts as the kiosk executable is compiled; returns its path in `dir`. */
export async function buildFloor(dir: string): Promise<string> {
  const outfile = join(dir, 'elysia-floor')
  await $`bun build ${resolve(import.meta.dir, 'peers/elysia-floor.ts')} ${COMPILE_FLAGS} --outfile ${outfile}`.quiet()
  return outfile
}

if (import.meta.main) {
  const args = process.argv.slice(2)
  const executable = resolve(args.find((arg) => !arg.startsWith('--')) ?? 'dist/kiosk')
  const floorDir = args.includes('--floor') ? mkdtempSync(join(tmpdir(), 'kiosk-floor-')) : undefined
  try {
    const executables = floorDir ? [executable, await buildFloor(floorDir)] : [executable]
    const results = await measureColdStarts(executables)
    for (const [index, result] of results.entries()) {
      const name = index === 0 ? 'kiosk' : 'floor (bench/peers/elysia-floor.ts)'
      console.log(`${name}: executable ${(result.executableBytes / 1024 / 1024).toFixed(1)} MiB; cold start median ${result.medianMs.toFixed(1)} ms (CPU ${result.cpuMedianMs.toFixed(1)} ms)`)
      console.log(`  samples: ${result.samplesMs.map((ms) => ms.toFixed(1)).join(', ')}`)
      console.log(`  CPU samples: ${result.cpuSamplesMs.map((ms) => ms.toFixed(1)).join(', ')}`)
    }
  } finally {
    if (floorDir) rmSync(floorDir, { recursive: true, force: true })
  }
}
