import type { CacheChangeLog, CacheCoherence } from '../../lib/cache-coherence.ts'
import { invalidateAll, invalidateReceived, onInvalidate, type Cache } from '../../lib/cache.ts'
import type { RedisHandle } from './client.ts'

/*
 * Cache coherence by Redis pub/sub (REDIS_URL): every process publishes the keys it invalidates,
 * after its commit, on one channel, and drops the keys others publish.
 *
 * The bound, and why LISTEN/NOTIFY (src/db/pg/cache-changes.ts) stays the default: NOTIFY is part
 * of the writing transaction, so a committed change is always announced; a PUBLISH comes after
 * the COMMIT, so a writer that dies between the two (or cannot reach Redis until it gives up)
 * leaves the other processes' copies stale until CACHE_TTL expires them, the backstop. A writer
 * that merely loses Redis keeps its keys and retries; a follower that loses its subscription
 * drops its whole cache once it is subscribed again (it may have missed messages meanwhile).
 */

export const CACHE_CHANNEL = 'kiosk:cache'

/** One message: who sent it (a process ignores its own), the deployment it is about, the keys, or `all`. */
interface CacheMessage {
  scope: string
  from: string
  keys: string[]
  all?: true
}

/** Waits between attempts to subscribe while Redis is away; and between retries of an unsent publish. */
const RETRY_MS = { first: 250, max: 5_000 }
const PUBLISH_RETRY_MS = 1_000
/** More keys than this waiting to be published: one "drop everything" instead. */
const MAX_PENDING_KEYS = 1_000

/** Sends keys to every other process now (kiosk create-admin, which has no follower). */
export async function publishCacheKeys(redis: RedisHandle, keys: string[], from: string = crypto.randomUUID()): Promise<void> {
  const message: CacheMessage = { scope: redis.scope, from, keys }
  await redis.send('PUBLISH', [CACHE_CHANNEL, JSON.stringify(message)])
}

function followChannel(redis: RedisHandle, cache: Cache): CacheCoherence {
  const self = crypto.randomUUID()
  let closed = false

  // Publishing: the keys of one tick go in one message, after the invalidations (so after the commits) that named them.
  let pending = new Set<string>()
  let dropAll = false
  let flushing: Promise<void> | undefined
  let publishRetry: ReturnType<typeof setTimeout> | undefined

  const add = (key: string) => {
    if (pending.size >= MAX_PENDING_KEYS) dropAll = true
    else pending.add(key)
  }
  /** Publishes what is pending until nothing is; on a failure keeps it and tries again in a second. */
  async function flush() {
    while (pending.size || dropAll) {
      const keys = [...pending]
      const all = dropAll
      pending = new Set()
      dropAll = false
      const message: CacheMessage = { scope: redis.scope, from: self, keys: all ? [] : keys, ...(all ? { all } : {}) }
      try {
        await redis.send('PUBLISH', [CACHE_CHANNEL, JSON.stringify(message)])
      } catch {
        // Others stay stale only while this process cannot reach Redis (or until CACHE_TTL, should it die first).
        if (all) dropAll = true
        for (const key of keys) add(key)
        if (closed) return
        publishRetry = setTimeout(() => {
          publishRetry = undefined
          start()
        }, PUBLISH_RETRY_MS)
        publishRetry.unref?.()
        return
      }
    }
  }
  function start() {
    if (flushing || publishRetry) return
    flushing = Promise.resolve()
      .then(flush)
      .finally(() => (flushing = undefined))
  }
  const stopPublishing = onInvalidate(cache, (key) => {
    add(key)
    start()
  })

  // Following: one subscription; a lost one is made again, and its replacement drops everything.
  let unsubscribe: (() => void) | undefined
  let resubscribe: ReturnType<typeof setTimeout> | undefined
  let subscribed!: () => void
  const ready = new Promise<void>((resolve) => (subscribed = resolve))

  const onMessage = (text: string) => {
    let message: CacheMessage
    try {
      message = JSON.parse(text) as CacheMessage
    } catch {
      return
    }
    if (message.scope !== redis.scope || message.from === self) return
    if (message.all) invalidateAll(cache)
    else for (const key of message.keys) invalidateReceived(cache, key)
  }

  const retry = (delay: number) => {
    if (closed) return
    clearTimeout(resubscribe)
    resubscribe = setTimeout(() => (attempt = subscribe(Math.min(delay * 2, RETRY_MS.max))), delay)
    resubscribe.unref?.()
  }
  const onLost = () => {
    unsubscribe = undefined
    retry(RETRY_MS.first)
  }

  async function subscribe(nextDelay: number) {
    try {
      const end = await redis.subscribe(CACHE_CHANNEL, onMessage, onLost)
      if (closed) return end()
      unsubscribe = end
      // Messages sent while there was no subscription are lost; at the first, reads before it were not followed.
      invalidateAll(cache)
      subscribed()
    } catch {
      retry(nextDelay)
    }
  }
  let attempt = subscribe(RETRY_MS.first)

  return {
    ready,
    sync: () => 0,
    async close() {
      closed = true
      stopPublishing()
      clearTimeout(resubscribe)
      clearTimeout(publishRetry)
      publishRetry = undefined
      // The last keys still go out: one more try for any a failure kept (bounded by the command timeout).
      await flushing
      if (pending.size || dropAll) await flush()
      await attempt
      unsubscribe?.()
      unsubscribe = undefined
    },
  }
}

/** Cache changes through Redis: nothing is logged, so nothing needs pruning. */
export function createRedisCacheChangeLog(redis: RedisHandle): CacheChangeLog {
  return {
    follow: (cache) => followChannel(redis, cache),
    prune: async () => 0,
  }
}
