import { RedisClient } from 'bun'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/*
 * The Redis side of the tests (REDIS_URL). They run against KIOSK_TEST_REDIS_URL, or the local
 * server scripts/redis.sh starts (redis://127.0.0.1:56379) when it answers, and are skipped with
 * the reason otherwise. Every test app scopes its keys by its own database, so runs never meet.
 * Outage tests start a redis-server of their own, which they may stop and start again.
 */

export const TEST_REDIS_URL = process.env.KIOSK_TEST_REDIS_URL ?? 'redis://127.0.0.1:56379'

async function answers(url: string): Promise<boolean> {
  const client = new RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 1_000 })
  try {
    await client.connect()
    return (await client.send('PING', [])) === 'PONG'
  } catch {
    return false
  } finally {
    client.close()
  }
}

/** Why the Redis tests cannot run here (one line), or undefined when they can. */
export const redisMissing: string | undefined = (await answers(TEST_REDIS_URL))
  ? undefined
  : `no Redis answers at ${TEST_REDIS_URL} (set KIOSK_TEST_REDIS_URL, or run scripts/redis.sh start)`

/** Whether a redis-server binary is here to start private servers with. */
export const redisServerInstalled = Bun.which('redis-server') !== null

/** A free loopback port (the kernel's pick, released at once). */
function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const { port } = probe
  probe.stop(true)
  return port
}

/** A private redis-server on a port of its own, stopped and started again at will (same port). */
export interface PrivateRedis {
  url: string
  start(): Promise<void>
  /** SIGKILL: Redis gone at once, as in a crash. */
  stop(): Promise<void>
  /** Stops it for good and removes its folder. */
  close(): Promise<void>
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = freePort()
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-redis-'))
  const url = `redis://127.0.0.1:${port}`
  let server: ReturnType<typeof Bun.spawn> | undefined
  const handle: PrivateRedis = {
    url,
    async start() {
      server = Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
        stdout: 'ignore',
        stderr: 'ignore',
      })
      for (let i = 0; i < 100 && !(await answers(url)); i++) await Bun.sleep(50)
      if (!(await answers(url))) throw new Error(`redis-server did not start on port ${port}`)
    },
    async stop() {
      server?.kill('SIGKILL')
      await server?.exited
      server = undefined
    },
    async close() {
      await handle.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await handle.start()
  return handle
}
