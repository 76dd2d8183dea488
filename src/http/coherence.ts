import { Elysia } from 'elysia'
import type { CacheCoherence } from '../lib/cache-coherence.ts'

/**
 * Before anything of a request reads the cache (the body reader's auth gate included): drops the
 * entries other processes' commits made stale (src/lib/cache-coherence.ts). Registered first, so
 * a write committed anywhere before a request arrives is seen by it.
 */
export const coherencePlugin = (coherence: CacheCoherence) =>
  new Elysia({ name: 'kiosk/cache-coherence' }).onRequest(() => {
    coherence.sync()
  })
