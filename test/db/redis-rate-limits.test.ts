import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { openRedis, type RedisHandle } from '../../src/db/redis/client.ts'
import { createRedisLimitStore } from '../../src/db/redis/rate-limits.ts'
import { isDatabaseUnavailable } from '../../src/db/unavailable.ts'
import { redisMissing, redisServerInstalled, startPrivateRedis, TEST_REDIS_URL } from '../redis.ts'
import { limitCases, T0, WINDOW } from './limit-cases.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The rate-limit cases of test/db/rate-limits.test.ts, against a real Redis (REDIS_URL's store):
 * two connections are two processes, a third opened later a restart. Independent of the database
 * dialect, so it runs in both passes. Keys are scoped to this run.
 */

describe.skipIf(redisMissing !== undefined)(`the Redis rate limiter${redisMissing ? ` (skipped: ${redisMissing})` : ''}`, () => {
  const scope = `test-limits-${crypto.randomUUID()}`
  const first = openRedis(TEST_REDIS_URL, scope)
  const second = openRedis(TEST_REDIS_URL, scope)
  const keys = async (redis: RedisHandle) => ((await redis.send('KEYS', [`kiosk:${scope}:*`])) as string[]).sort()

  afterAll(async () => {
    const left = await keys(first)
    if (left.length) await first.send('DEL', left)
    await Promise.all([first.close(), second.close()])
  })

  limitCases(
    () => ({
      first: createRedisLimitStore(first),
      second: createRedisLimitStore(second),
      async reopen() {
        const reopened = openRedis(TEST_REDIS_URL, scope)
        return { limits: createRedisLimitStore(reopened), close: () => reopened.close() }
      },
      async clear() {
        const left = await keys(first)
        if (left.length) await first.send('DEL', left)
      },
    }),
    { prunes: false },
  )

  test('nothing to prune: a window is trimmed as it is used, and every key expires by itself', async () => {
    const store = createRedisLimitStore(first)
    const limiter = store.limiter({ name: 'expiry', limit: 5, windowMs: WINDOW })
    const pairs = store.recentPairs({ name: 'expiry', ttlMs: WINDOW })
    await limiter.take('k', T0)
    await limiter.take('k', T0 + 30_000)
    await pairs.add('p', T0)
    const window = `kiosk:${scope}:limit:expiry:k`
    const pair = `kiosk:${scope}:pair:expiry:p`
    for (const key of [window, pair]) {
      const ttl = (await first.send('PTTL', [key])) as number
      expect(ttl).toBeGreaterThan(WINDOW - 5_000)
      expect(ttl).toBeLessThanOrEqual(WINDOW)
    }
    expect(await store.prune(T0 + WINDOW)).toEqual({ events: 0, pairs: 0 })
    // The event at T0 no longer counts at T0 + WINDOW: the next take removes it, as pruning would.
    expect(await limiter.take('k', T0 + WINDOW)).toBe(0)
    expect(await first.send('ZCARD', [window])).toBe(2)
  })

  test('another deployment (another database, so another scope) on the same Redis counts apart', async () => {
    const other = openRedis(TEST_REDIS_URL, `${scope}-other`)
    try {
      const ours = createRedisLimitStore(first).limiter({ name: 'scoped', limit: 1, windowMs: WINDOW })
      const theirs = createRedisLimitStore(other).limiter({ name: 'scoped', limit: 1, windowMs: WINDOW })
      expect(await ours.take('k', T0)).toBe(0)
      expect(await theirs.take('k', T0)).toBe(0)
      expect(await ours.take('k', T0)).toBe(60)
      await theirs.reset('k')
    } finally {
      await other.close()
    }
  })

  test('a script the server forgot (SCRIPT FLUSH, a restart) is sent again: takes keep working', async () => {
    const limiter = createRedisLimitStore(first).limiter({ name: 'flushed', limit: 2, windowMs: WINDOW })
    expect(await limiter.take('k', T0)).toBe(0)
    await first.send('SCRIPT', ['FLUSH'])
    expect(await limiter.take('k', T0)).toBe(0)
    expect(await limiter.take('k', T0)).toBe(60)
  })
})

describe.skipIf(!redisServerInstalled)(`the Redis rate limiter while Redis is away${redisServerInstalled ? '' : ' (skipped: redis-server is not installed)'}`, () => {
  test('a take fails with an error recognised as unavailable (503), at once; once Redis is back the next take works', async () => {
    const server = await startPrivateRedis()
    const redis = openRedis(server.url, `test-outage-${crypto.randomUUID()}`)
    try {
      const limiter = createRedisLimitStore(redis).limiter({ name: 'outage', limit: 2, windowMs: WINDOW })
      expect(await limiter.take('k', T0)).toBe(0)
      await server.stop()
      const started = performance.now()
      const error = await limiter.take('k', T0).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect(isDatabaseUnavailable(error)).toBe(true)
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(isDatabaseUnavailable(await redis.ping().catch((e: unknown) => e))).toBe(true)
      await server.start()
      // A new server: the state was in memory only (a real deployment keeps Redis up, or persists it).
      expect(await limiter.take('k', T0)).toBe(0)
    } finally {
      await redis.close()
      await server.close()
    }
  })

  test('a Redis that stops answering (SIGSTOP) fails the command within the bound instead of hanging', async () => {
    const server = await startPrivateRedis()
    const redis = openRedis(server.url, `test-hung-${crypto.randomUUID()}`)
    const pid = Number(await redis.send('INFO', ['server']).then((info) => /process_id:(\d+)/.exec(String(info))?.[1]))
    try {
      process.kill(pid, 'SIGSTOP')
      const started = performance.now()
      const error = await redis.send('PING', []).catch((e: unknown) => e)
      expect(isDatabaseUnavailable(error)).toBe(true)
      expect(performance.now() - started).toBeLessThan(3_000)
      process.kill(pid, 'SIGCONT')
      // The stuck connection was dropped; the next command connects again.
      expect(await redis.send('PING', [])).toBe('PONG')
    } finally {
      process.kill(pid, 'SIGCONT')
      await redis.close()
      await server.close()
    }
  })
})
