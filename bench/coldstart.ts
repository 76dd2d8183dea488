/**
 * Executable size and cold start: exec of `dist/kiosk` to its first 200 on /health/live, median
 * of 10 runs, on an already-migrated database (the first, migrating start is not counted). Next to
 * the wall time, the CPU time each whole run used (start, that request, SIGTERM, exit; every
 * thread), from the kernel: steadier than wall time on a shared machine, where another guest's
 * load moves the latter by tens of milliseconds.
 *
 *   bun bench/coldstart.ts [path/to/kiosk]      (standalone; bench/run.ts calls measureColdStart)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, median, pinned, waitFor200 } from './tools.ts'

export interface ColdStart {
  executableBytes: number
  medianMs: number
  samplesMs: number[]
  cpuMedianMs: number
  cpuSamplesMs: number[]
}

export async function measureColdStart(executable: string, options: { dataDir?: string; runs?: number } = {}): Promise<ColdStart> {
  const runs = options.runs ?? 10
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kiosk-coldstart-'))
  const samples: number[] = []
  const cpuSamples: number[] = []
  for (let i = 0; i <= runs; i++) {
    const port = freePort()
    const started = performance.now()
    const child = Bun.spawn(pinned(0, [executable, 'serve']), {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: dir, JWT_SECRET: 'x'.repeat(32) },
      stdout: 'ignore',
      stderr: 'ignore',
    })
    await waitFor200(`http://127.0.0.1:${port}/health/live`)
    const elapsed = performance.now() - started
    child.kill('SIGTERM')
    await child.exited
    if (i === 0) continue // run 0 creates and migrates the database
    samples.push(elapsed)
    cpuSamples.push(Number(child.resourceUsage()!.cpuTime.total) / 1000)
  }
  if (!options.dataDir) rmSync(dir, { recursive: true, force: true })
  return { executableBytes: statSync(executable).size, medianMs: median(samples), samplesMs: samples, cpuMedianMs: median(cpuSamples), cpuSamplesMs: cpuSamples }
}

if (import.meta.main) {
  const executable = resolve(process.argv[2] ?? 'dist/kiosk')
  const result = await measureColdStart(executable)
  console.log(`executable ${(result.executableBytes / 1024 / 1024).toFixed(1)} MiB; cold start median ${result.medianMs.toFixed(1)} ms (CPU ${result.cpuMedianMs.toFixed(1)} ms)`)
  console.log(`samples: ${result.samplesMs.map((ms) => ms.toFixed(1)).join(', ')}`)
  console.log(`CPU samples: ${result.cpuSamplesMs.map((ms) => ms.toFixed(1)).join(', ')}`)
}
