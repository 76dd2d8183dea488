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
  /** A new connection of its own, connected, for SUBSCRIBE (the caller closes it). */
  subscriber(): Promise<RedisClient>
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
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // A connection that stopped answering may never say so: drop it, the next command reconnects.
        client.close()
        reject(new RedisTimeoutError(`Redis did not answer ${command} within ${COMMAND_TIMEOUT_MS} ms`))
      }, COMMAND_TIMEOUT_MS)
    })
    try {
      return await Promise.race([connected().then(() => client.send(command, args)), timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    scope,
    send,
    async ping() {
      await send('PING', [])
    },
    async subscriber() {
      const subscriber = new RedisClient(url, OPTIONS)
      await subscriber.connect()
      return subscriber
    },
    async close() {
      closed = true
      client.close()
    },
  }
}
