import type { SQL } from 'bun'
import type { CacheChangeLog, CacheCoherence } from '../../lib/cache-coherence.ts'
import { invalidate, invalidateAll, type Cache } from '../../lib/cache.ts'

/*
 * The PostgreSQL change log is no table: migration 0001's triggers NOTIFY kiosk_cache with the
 * cache key of every changed product or user, delivered at COMMIT to every listening connection.
 * Each notification drops its key as it arrives, so there is nothing to poll before a request.
 */

export const CACHE_CHANNEL = 'kiosk_cache'

/** Waits between attempts to subscribe while the server is unreachable at start. */
const RETRY_MS = { first: 500, max: 30_000 }

function followNotifications(sql: SQL, cache: Cache): CacheCoherence {
  let closed = false
  let retry: ReturnType<typeof setTimeout> | undefined
  let subscription: SQL.ListenSubscription | undefined
  let acknowledged!: () => void
  const ready = new Promise<void>((resolve) => (acknowledged = resolve))

  // Every acknowledgement drops the whole cache: after a reconnect, notifications sent while the
  // connection was down are lost; at the first one, reads made before it were not followed yet.
  const onListen = () => {
    invalidateAll(cache)
    acknowledged()
  }

  // Bun reconnects a dropped LISTEN connection itself; only the very first connection, made here,
  // is ours to retry (the server may not be up yet when the process starts).
  async function subscribe(delay: number) {
    try {
      const made = await sql.listen(CACHE_CHANNEL, (key) => invalidate(cache, key), onListen)
      if (closed) await made.unlisten()
      else subscription = made
    } catch {
      if (closed) return
      retry = setTimeout(() => (attempt = subscribe(Math.min(delay * 2, RETRY_MS.max))), delay)
      retry.unref?.()
    }
  }
  let attempt = subscribe(RETRY_MS.first)

  return {
    ready,
    sync: () => 0,
    async close() {
      closed = true
      clearTimeout(retry)
      await attempt
      await subscription?.unlisten().catch(() => {})
      subscription = undefined
    },
  }
}

/** The PostgreSQL change log: followed by LISTEN, so nothing is logged and nothing needs pruning. */
export function createPgCacheChangeLog(sql: SQL): CacheChangeLog {
  return {
    follow: (cache) => followNotifications(sql, cache),
    prune: async () => 0,
  }
}
