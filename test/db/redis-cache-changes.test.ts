import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { RedisClient } from 'bun'
import { CACHE_CHANNEL, createRedisCacheChangeLog, publishCacheKeys } from '../../src/db/redis/cache-changes.ts'
import { COMMAND_TIMEOUT_MS, HEARTBEAT_MS, openRedis, type RedisHandle } from '../../src/db/redis/client.ts'
import { createCache, invalidate, type Cache } from '../../src/lib/cache.ts'
import type { CacheCoherence } from '../../src/lib/cache-coherence.ts'
import { ManualClock } from '../../src/lib/clock.ts'
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from '../redis.ts'
import { within } from '../within.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The Redis cache-change log on its own (no database): followers on one private redis-server,
 * which the tests stop and start. Messages arrive asynchronously, so each test waits for what it
 * expects with a bounded poll. Independent of the database dialect: runs in both passes.
 */

const WAIT_MS = 8_000
const newCache = () => createCache({ max: 100, ttlMs: 60_000, clock: new ManualClock(new Date()) })

describe.skipIf(!redisServerInstalled)(`cache changes through Redis pub/sub${redisServerInstalled ? '' : ' (skipped: redis-server is not installed)'}`, () => {
  let server: PrivateRedis
  const opened: { redis: RedisHandle; coherence: CacheCoherence }[] = []
  /** A process: its Redis handle, its cache and the follower keeping it coherent. */
  const follower = async (scope = 'shop') => {
    const redis = openRedis(server.url, scope)
    const cache = newCache()
    const coherence = createRedisCacheChangeLog(redis).follow(cache)
    opened.push({ redis, coherence })
    await coherence.ready
    return { redis, cache, coherence }
  }
  const subscribers = async (redis: RedisHandle) => ((await redis.send('PUBSUB', ['NUMSUB', CACHE_CHANNEL])) as [string, number])[1]
  const fill = (cache: Cache, ...keys: string[]) => keys.forEach((key) => cache.set(key, { filled: true }))

  beforeAll(async () => {
    server = await startPrivateRedis()
  })
  afterAll(async () => {
    for (const { redis, coherence } of opened) {
      await coherence.close()
      await redis.close()
    }
    await server.close()
  })

  test("a key one process invalidates is dropped from the others' caches, not from a cache of another scope", async () => {
    const [a, b, c, stranger] = [await follower(), await follower(), await follower(), await follower('another-shop')]
    for (const { cache } of [a, b, c, stranger]) fill(cache, 'product:1', 'product:2')
    invalidate(a.cache, 'product:1')
    expect(a.cache.has('product:1')).toBe(false)
    expect(await within(WAIT_MS, () => !b.cache.has('product:1') && !c.cache.has('product:1'))).toBe(true)
    expect(b.cache.has('product:2')).toBe(true)
    // Another deployment (another database) on the same Redis keeps its entry.
    invalidate(b.cache, 'product:2')
    expect(await within(WAIT_MS, () => !a.cache.has('product:2') && !c.cache.has('product:2'))).toBe(true)
    expect(stranger.cache.has('product:1')).toBe(true)
    expect(stranger.cache.has('product:2')).toBe(true)
  })

  test('the keys invalidated in one tick go out as one message, and a process ignores its own', async () => {
    const a = await follower()
    const spy = new RedisClient(server.url)
    const messages: { from: string; keys: string[] }[] = []
    try {
      await spy.subscribe(CACHE_CHANNEL, (text) => messages.push(JSON.parse(text)))
      fill(a.cache, 'mine')
      invalidate(a.cache, 'product:7')
      invalidate(a.cache, 'user-auth:7')
      expect(await within(WAIT_MS, () => messages.length > 0)).toBe(true)
      await Bun.sleep(50)
      expect(messages).toHaveLength(1)
      expect(messages[0]!.keys).toEqual(['product:7', 'user-auth:7'])
      // Its own message came back to it too (it is subscribed): it dropped nothing else.
      expect(a.cache.has('mine')).toBe(true)
    } finally {
      spy.close()
    }
  })

  test("kiosk create-admin's publish (no follower of its own) reaches every follower", async () => {
    const [a, b] = [await follower(), await follower()]
    fill(a.cache, 'user-auth:9')
    fill(b.cache, 'user-auth:9')
    const cli = openRedis(server.url, 'shop')
    try {
      await publishCacheKeys(cli, ['user-auth:9'])
    } finally {
      await cli.close()
    }
    expect(await within(WAIT_MS, () => !a.cache.has('user-auth:9') && !b.cache.has('user-auth:9'))).toBe(true)
  })

  test('close() ends the subscription', async () => {
    const a = await follower()
    const before = await subscribers(a.redis)
    await a.coherence.close()
    expect(await within(WAIT_MS, async () => (await subscribers(a.redis)) === before - 1)).toBe(true)
  })

  test('a lost subscription (CLIENT KILL) is made again, and dropping the whole cache is the first thing it does', async () => {
    const [a, b] = [await follower(), await follower()]
    fill(b.cache, 'product:1', 'product:2')
    const before = await subscribers(a.redis)
    await a.redis.send('CLIENT', ['KILL', 'TYPE', 'pubsub'])
    expect(await within(WAIT_MS, () => b.cache.size === 0)).toBe(true)
    expect(await within(WAIT_MS, async () => (await subscribers(a.redis)) === before)).toBe(true)
    // Followed key by key again.
    fill(b.cache, 'product:1', 'product:2')
    invalidate(a.cache, 'product:1')
    expect(await within(WAIT_MS, () => !b.cache.has('product:1'))).toBe(true)
    expect(b.cache.has('product:2')).toBe(true)
  })

  test('Redis away: a writer keeps its keys and publishes them once Redis is back; followers drop everything on resubscribing', async () => {
    const [a, b] = [await follower(), await follower()]
    fill(b.cache, 'product:kept')
    await server.stop()
    invalidate(a.cache, 'product:during-outage')
    // While Redis is away nothing reaches anyone: B keeps its entry.
    await Bun.sleep(300)
    expect(b.cache.has('product:kept')).toBe(true)
    await server.start()
    // Listening before the retry lands (it comes within a second of Redis being back).
    const spy = new RedisClient(server.url)
    const messages: { keys: string[] }[] = []
    try {
      await spy.subscribe(CACHE_CHANNEL, (text) => messages.push(JSON.parse(text)))
      expect(await within(WAIT_MS, () => b.cache.size === 0)).toBe(true)
      expect(await within(WAIT_MS, () => messages.some((message) => message.keys.includes('product:during-outage')))).toBe(true)
    } finally {
      spy.close()
    }
  })

  test('Redis not there at start: ready waits, then resolves once a retried subscription succeeds, and changes are followed', async () => {
    await server.stop()
    const redis = openRedis(server.url, 'shop')
    const cache = newCache()
    const coherence = createRedisCacheChangeLog(redis).follow(cache)
    opened.push({ redis, coherence })
    let ready = false
    void coherence.ready.then(() => (ready = true))
    await Bun.sleep(500)
    expect(ready).toBe(false)
    await server.start()
    expect(await within(WAIT_MS, () => ready)).toBe(true)
    const other = await follower()
    fill(cache, 'product:late')
    invalidate(other.cache, 'product:late')
    expect(await within(WAIT_MS, () => !cache.has('product:late'))).toBe(true)
  })

  test('a subscription that stops answering (a hung server, a silent network cut) is noticed by its heartbeat and made again', async () => {
    const a = await follower()
    const pid = Number(/process_id:(\d+)/.exec(String(await a.redis.send('INFO', ['server'])))?.[1])
    fill(a.cache, 'product:1')
    process.kill(pid, 'SIGSTOP')
    try {
      // Heartbeat, plus its timeout, plus a little: by then the subscription counts as lost.
      await Bun.sleep(HEARTBEAT_MS + COMMAND_TIMEOUT_MS + 500)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    // Resubscribed on a new connection, which drops the cache (the old one, answering again, would not).
    expect(await within(WAIT_MS, () => !a.cache.has('product:1'))).toBe(true)
  })

  test('sync() has nothing to read before a request, prune() nothing to delete', async () => {
    const a = await follower()
    fill(a.cache, 'product:1')
    expect(a.coherence.sync()).toBe(0)
    expect(await createRedisCacheChangeLog(a.redis).prune(Date.now())).toBe(0)
    expect(a.cache.has('product:1')).toBe(true)
  })
})
