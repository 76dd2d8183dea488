import type { Subprocess } from 'bun'
import { SUPERVISED_PORT_ENV, type Config } from '../config.ts'
import { createContext } from '../context.ts'
import { ownDataDir } from './own-data-dir.ts'
import { EXIT } from './exit.ts'
import { reservePort } from './listen-address.ts'
import { prepareData } from './prepare-data.ts'
import { flushLogger } from '../lib/logger.ts'

/** A worker that lived this long before dying is restarted at once; sooner, the delay doubles up to the ceiling. */
const STABLE_AFTER_MS = 30_000
const FIRST_RESTART_DELAY_MS = 500
const MAX_RESTART_DELAY_MS = 30_000
/** After SHUTDOWN_TIMEOUT, how long workers get to close their database before they are killed. */
const STOP_GRACE_MS = 5_000

/**
 * `kiosk serve` with KIOSK_WORKERS > 1: this process serves nothing itself. It owns DATA_DIR (the
 * lock), checks the port is free, migrates once, then starts KIOSK_WORKERS copies of this
 * executable that share the port (reusePort) and the WAL database; a worker that dies is
 * restarted after a backoff; SIGTERM or SIGINT is forwarded, every worker drains, exit 0 (1 when
 * a worker did not exit 0: it failed to drain, or was killed after SHUTDOWN_TIMEOUT).
 */
export async function supervise(config: Config): Promise<number> {
  const lock = ownDataDir(config, 'serve')
  try {
    return await superviseWithLock(config)
  } finally {
    lock.release()
  }
}

async function superviseWithLock(config: Config): Promise<number> {
  // Held while migrating (a port in use stops start-up before any of it); port 0 picks the port all workers share.
  const reservation = reservePort(config.HOST, config.PORT)
  const port = reservation.port
  const ctx = createContext(config)
  const { logger } = ctx
  try {
    if (config.JWT_SECRET_GENERATED) {
      logger.warn('JWT_SECRET is not set: using a random secret shared by the workers, so tokens die at restart (set it in production)')
    }
    await prepareData(ctx)
  } finally {
    ctx.close()
  }
  await reservation.release()

  const command = workerCommand()
  // Every worker gets the same secret (a generated one too) and the port chosen here.
  const env = { ...process.env, JWT_SECRET: config.JWT_SECRET, [SUPERVISED_PORT_ENV]: String(port) }
  const workers = new Map<number, Subprocess>()
  let stopping = false
  /** Exit codes of the workers stopped by the shutdown: the group exits 0 only if every one drained and exited 0. */
  const stoppedCodes: (number | null)[] = []
  const exited = new Set<Promise<unknown>>()

  const spawn = (slot: number, failures: number) => {
    const started = performance.now()
    const child = Bun.spawn(command, { env: { ...env, KIOSK_WORKER: String(slot) }, stdin: 'ignore', stdout: 'inherit', stderr: 'inherit' })
    workers.set(slot, child)
    logger.info({ worker: slot, pid: child.pid }, 'worker started')
    const done = child.exited.then((code) => {
      workers.delete(slot)
      exited.delete(done)
      if (stopping) {
        stoppedCodes.push(code)
        logger.info({ worker: slot, pid: child.pid, code }, 'worker stopped')
        return
      }
      const failed = performance.now() - started >= STABLE_AFTER_MS ? 0 : failures + 1
      const delay = restartDelay(failed)
      logger.error({ worker: slot, pid: child.pid, code, signal: child.signalCode, restart_in_ms: delay }, 'worker died: restarting it')
      setTimeout(() => !stopping && spawn(slot, failed), delay)
    })
    exited.add(done)
  }

  logger.info({ workers: config.KIOSK_WORKERS, port, pid: process.pid }, 'supervisor starting workers')
  for (let slot = 1; slot <= config.KIOSK_WORKERS; slot++) spawn(slot, 0)

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  // Ignore repeats (Ctrl-C pressed twice) while the workers drain.
  for (const name of ['SIGTERM', 'SIGINT'] as const) process.on(name, () => {})
  stopping = true
  logger.info({ signal, workers: workers.size }, 'supervisor stopping: workers drain')
  for (const child of workers.values()) child.kill('SIGTERM')
  const killer = setTimeout(() => {
    for (const child of workers.values()) {
      logger.warn({ pid: child.pid }, 'worker did not stop in time: killing it')
      child.kill('SIGKILL')
    }
  }, config.SHUTDOWN_TIMEOUT + STOP_GRACE_MS)
  await Promise.all([...exited])
  clearTimeout(killer)
  const drained = stoppedCodes.every((code) => code === 0)
  if (drained) logger.info('stopped')
  else logger.error({ codes: stoppedCodes }, 'stopped: a worker did not drain cleanly')
  await flushLogger(logger)
  return drained ? EXIT.OK : EXIT.FAILURE
}

/** The wait before restarting a worker that died after `failures` short lives in a row (0: it had run a while). */
export const restartDelay = (failures: number) => (failures === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (failures - 1)))

/**
 * This same program with the same arguments: the compiled executable (its build-time Bun flags
 * come with it), or in development `bun [flags] src/main.ts …`.
 */
function workerCommand(): string[] {
  const [, script, ...args] = process.argv
  const compiled = Bun.main.startsWith('/$bunfs/') || Bun.main.includes('~BUN')
  return compiled ? [process.execPath, ...args] : [process.execPath, ...process.execArgv, script!, ...args]
}
