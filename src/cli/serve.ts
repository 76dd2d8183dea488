import { createApp } from '../app.ts'
import type { Config } from '../config.ts'
import { createContext } from '../context.ts'
import { describeDatabase } from '../db/database.ts'
import { createServices } from '../services.ts'
import { prepareData } from './prepare-data.ts'
import { supervise } from './supervisor.ts'
import { scheduledJobs, startScheduler } from '../jobs/scheduler.ts'
import { createLeaderElection } from '../jobs/leader.ts'
import { listeningUrls, serverOptions } from '../http/server-options.ts'
import { useNormalJitPolicy } from '../lib/jit-policy.ts'
import { ownDataDir } from './own-data-dir.ts'
import { listenError, reservePort } from './listen-address.ts'
import { flushLogger } from '../lib/logger.ts'

/**
 * Start-up order: the data folder is usable, this process owns it (the DATA_DIR lock), the port
 * is ours; only then the database is opened and migrated and jobs start. So a second server, on
 * the same data or the same port, stops with one line (exit 69) having changed nothing.
 */
export async function serve(config: Config): Promise<number> {
  // A worker process of a supervisor: the supervisor holds the lock, checked the port and migrated.
  if (config.SUPERVISED_PORT !== undefined) return serveProcess(config, { supervised: true })
  if (config.KIOSK_WORKERS > 1) return supervise(config)
  const lock = ownDataDir(config, 'serve')
  let reservation
  try {
    // Port 0 asks for any free port: there is nothing to collide with.
    reservation = config.PORT === 0 ? undefined : reservePort(config.HOST, config.PORT)
    return await serveProcess(config, { reservation })
  } finally {
    await reservation?.release()
    lock.release()
  }
}

/**
 * Serves until SIGTERM or SIGINT, then drains: stop accepting, let in-flight requests finish
 * (at most SHUTDOWN_TIMEOUT), stop background work, close the database, exit 0.
 */
async function serveProcess(
  config: Config,
  options: { reservation?: { release(): Promise<void> }; supervised?: boolean },
): Promise<number> {
  const { reservation, supervised = false } = options
  const ctx = createContext(config)
  const { logger } = ctx
  if (config.JWT_SECRET_GENERATED) {
    logger.warn('JWT_SECRET is not set: using a random secret, so tokens die at restart (set it in production)')
  }
  // A supervised worker finds the data prepared by its supervisor (once, before any worker serves).
  const services = supervised ? createServices(ctx) : await prepareData(ctx)

  // Before listening (the settings already checked every cron pattern with croner). Every process
  // keeps the timers; only the holder of the leader lease runs a tick, so with several processes
  // on the database each job runs once per tick.
  const leader = createLeaderElection({ store: services.stores.leases, name: 'scheduler', ttlMs: config.LEADER_LEASE, logger })
  await leader.start()
  const scheduler = startScheduler(ctx, scheduledJobs(ctx, services), {
    shouldRun: leader.isLeader,
    claimTick: (job, tick) => services.stores.leases.claimTick(job, tick.toISOString(), leader.holder, Date.now()),
  })
  // Followed before the first request (PostgreSQL: LISTEN acknowledged), so no write is missed.
  await services.coherence.ready
  const app = createApp(ctx, services)
  await reservation?.release()
  try {
    app.listen({
      port: config.SUPERVISED_PORT ?? config.PORT,
      hostname: config.HOST,
      // Elysia's Bun adapter turns reusePort on: a second server would then share the port silently.
      // Only a supervisor's workers share theirs (the supervisor checked it was free).
      reusePort: supervised,
      // No Bun default page or bare 413 ever reaches a client: see server-options.ts.
      ...serverOptions(ctx),
    })
  } catch (error) {
    await scheduler.stop()
    await leader.stop()
    await ctx.close()
    throw listenError(error, config.HOST, config.SUPERVISED_PORT ?? config.PORT)
  }
  const server = app.server!
  // Start-up is over: the request path is compiled by the JIT as usual from here (src/lib/jit-policy.ts).
  useNormalJitPolicy()
  // Listening for signals before the ready line: a supervisor (or a test) may send SIGTERM the
  // moment it reads that line, and a signal before the handlers would kill without draining.
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
    if (supervised) {
      // A Ctrl-C reaches the whole process group and the supervisor forwards SIGTERM as well: a
      // second signal must not cut the drain short. And workers never outlive their supervisor.
      const parent = process.ppid
      const orphaned = setInterval(() => process.ppid !== parent && resolve('supervisor gone'), 1000)
      orphaned.unref()
    }
  })
  logger.info({ ...listeningUrls(server), database: describeDatabase(config), pid: process.pid }, 'kiosk listening')
  const { webhookWorker, emailWorker } = services
  webhookWorker.start()
  emailWorker.start()

  const signal = await signalled
  if (supervised) for (const name of ['SIGTERM', 'SIGINT'] as const) process.on(name, () => {})
  logger.info({ signal }, 'shutting down: draining in-flight requests')
  // The worker stops polling now and finishes its attempts in flight while requests drain.
  const workerStopped = Promise.all([webhookWorker.stop(), emailWorker.stop()])
  // Stop accepting, wait until no request is in flight (bounded by SHUTDOWN_TIMEOUT), then close
  // what is left: idle keep-alive sockets and clients still sending a body we already refused.
  void server.stop(false)
  const deadline = performance.now() + config.SHUTDOWN_TIMEOUT
  while (server.pendingRequests > 0 && performance.now() < deadline) await Bun.sleep(10)
  if (server.pendingRequests > 0) logger.warn({ pending: server.pendingRequests }, 'shutdown timeout reached: closing remaining connections')
  await server.stop(true)
  await workerStopped
  // Jobs use the database: stop them (and wait for a run in progress) before closing it.
  await scheduler.stop()
  await leader.stop()
  await ctx.close()
  logger.info('stopped')
  await flushLogger(logger)
  return 0
}

