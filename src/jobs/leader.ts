import { hostname } from 'node:os'
import type { LeaseStore } from '../db/leases.ts'
import type { Logger } from '../lib/logger.ts'

/**
 * Leader election among the processes on one database (worker mode): every process tries to take
 * or renew the `name` lease every `ttlMs / 3`; the one holding it is the leader. A leader that dies
 * (even by SIGKILL) stops renewing, and another process takes over at its first try after the
 * lease expired: at most `ttlMs` plus one renew period after the last renewal. A leader that
 * fails to renew (a busy database) stops calling itself leader when its own lease runs out, so two
 * processes never both believe they lead. Wall-clock time (epoch ms): every process on the machine
 * shares that clock.
 */
export interface LeaderElection {
  readonly holder: string
  /** True while this process holds an unexpired lease. */
  isLeader(): boolean
  /** One try to take or renew the lease (the timer calls it; tests call it directly). */
  tick(): Promise<void>
  /** The first try, then one every ttl/3. */
  start(): Promise<void>
  /** Stops trying and releases the lease, so another process takes over at once. */
  stop(): Promise<void>
}

export function createLeaderElection(options: {
  store: LeaseStore
  name: string
  ttlMs: number
  logger: Logger
  now?: () => number
  holder?: string
}): LeaderElection {
  const { store, name, ttlMs, logger } = options
  const now = options.now ?? Date.now
  const holder = options.holder ?? `${hostname()}:${process.pid}:${Bun.randomUUIDv7().slice(-8)}`
  let expiresAt = 0
  let leading = false
  let timer: ReturnType<typeof setInterval> | undefined

  const isLeader = () => leading && now() < expiresAt
  const demote = (reason: string) => {
    if (!leading) return
    leading = false
    logger.warn({ lease: name, holder, reason }, 'leadership lost')
  }

  // A tick still waiting on the database when the timer fires again is not doubled.
  let inFlight: Promise<void> | undefined
  async function tryOnce() {
    const at = now()
    let held: boolean
    try {
      held = await store.tryAcquire(name, holder, at, ttlMs)
    } catch (error) {
      // Could not reach the row (the database is busy): still leader until our lease runs out.
      logger.warn({ err: error, lease: name }, 'lease renewal failed')
      if (at >= expiresAt) demote('renewal failed and the lease expired')
      return
    }
    if (held) {
      expiresAt = at + ttlMs
      if (!leading) {
        leading = true
        logger.info({ lease: name, holder, ttl_ms: ttlMs }, 'leadership acquired: this process runs the scheduled jobs')
      }
    } else demote('another process holds the lease')
  }
  function tick(): Promise<void> {
    inFlight ??= tryOnce().finally(() => (inFlight = undefined))
    return inFlight
  }

  return {
    holder,
    isLeader,
    tick,
    async start() {
      if (timer) return
      timer = setInterval(tick, Math.max(1, Math.floor(ttlMs / 3)))
      await tick()
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
      await inFlight
      if (leading) {
        leading = false
        try {
          await store.release(name, holder)
        } catch (error) {
          logger.warn({ err: error, lease: name }, 'lease release failed (it expires on its own)')
        }
      }
    },
  }
}
