import { RedisClient, type RedisOptions } from 'bun'

/**
 * The Redis a process coordinates through when REDIS_URL is set (PostgreSQL only): one command
 * connection per process, plus the subscriber connection cache coherence needs (a subscribed
 * connection can send nothing else).
 */
export interface RedisHandle {
  /** What this deployment's keys and messages are scoped by (the PostgreSQL database's name). */
  scope: string
  /** One command, bounded by COMMAND_TIMEOUT_MS; connects first when not connected. */
  send(command: string, args: string[]): Promise<unknown>
  /** Resolves when Redis answers PING. */
  ping(): Promise<void>
  /**
   * A connection of its own subscribed to `channel` (a subscribed connection can send nothing
   * else), within COMMAND_TIMEOUT_MS. `onLost` runs once when it closes or stops answering its
   * heartbeat, unless the caller closed it (with the function returned).
   */
  subscribe(channel: string, listener: (message: string) => void, onLost: () => void): Promise<() => void>
  close(): Promise<void>
}

/** How long a command may take: a hung or unreachable Redis answers 503 in time instead of a hang. */
export const COMMAND_TIMEOUT_MS = 2_000

/**
 * Bun's own reconnect is off, and so is its offline queue: with them a command sent while Redis is
 * away waits (the queue) and, once its retries are spent, the client stays closed for good. Here a
 * command fails at once while Redis is away (503), and the next one after it is back reconnects.
 */
const OPTIONS: RedisOptions = { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: COMMAND_TIMEOUT_MS }

/** How often a subscribed connection is PINGed: a silently cut one would otherwise lose messages unnoticed. */
export const HEARTBEAT_MS = 5_000

/** `work`, or a RedisTimeoutError after COMMAND_TIMEOUT_MS (then `onTimeout` runs first). */
async function bounded<T>(what: string, work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout()
      reject(new RedisTimeoutError(`Redis did not answer ${what} within ${COMMAND_TIMEOUT_MS} ms`))
    }, COMMAND_TIMEOUT_MS)
  })
  try {
    return await Promise.race([work, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

/** Redis could not answer in time (hung, or the network cut); recognised as unavailable by src/db/unavailable.ts. */
export class RedisTimeoutError extends Error {
  override name = 'RedisTimeoutError'
  readonly code = 'KIOSK_REDIS_TIMEOUT'
}

/** Nothing connects until the first command, so opening never fails (as with PostgreSQL's pool). */
export function openRedis(url: string, scope: string): RedisHandle {
  const client = new RedisClient(url, OPTIONS)
  let connecting: Promise<void> | undefined
  let closed = false

  const connected = () => {
    if (client.connected) return Promise.resolve()
    connecting ??= client.connect().finally(() => (connecting = undefined))
    return connecting
  }

  async function send(command: string, args: string[]) {
    if (closed) throw new Error('the Redis connection is closed')
    // A connection that stopped answering may never say so: dropped on a timeout, the next command reconnects.
    return bounded(command, connected().then(() => client.send(command, args)), () => client.close())
  }

  async function subscribe(channel: string, listener: (message: string) => void, onLost: () => void) {
    const subscriber = new RedisClient(url, OPTIONS)
    let ended = false
    let established = false
    let heartbeat: ReturnType<typeof setInterval> | undefined
    const end = () => {
      ended = true
      clearInterval(heartbeat)
      subscriber.close()
    }
    // Lost before it was established, it is a failed attempt (the promise rejects), not a loss.
    const lost = () => {
      if (ended) return
      end()
      if (established) onLost()
    }
    subscriber.onclose = lost
    try {
      await bounded('SUBSCRIBE', subscriber.connect().then(() => subscriber.subscribe(channel, listener)), () => {})
      if (ended) throw new Error('the Redis subscription closed as it was made')
    } catch (error) {
      end()
      throw error
    }
    established = true
    heartbeat = setInterval(() => {
      bounded('PING', subscriber.ping(), () => {}).catch(lost)
    }, HEARTBEAT_MS)
    heartbeat.unref?.()
    return end
  }

  return {
    scope,
    send,
    async ping() {
      await send('PING', [])
    },
    subscribe,
    async close() {
      closed = true
      client.close()
    },
  }
}
