import { parseArgs } from 'node:util'
import type { Config } from '../config.ts'
import { migrateDatabase, openConfiguredDatabase, type RedisHandle } from '../db/database.ts'
import { publishCacheKeys } from '../db/redis/cache-changes.ts'
import { cacheKeys } from '../lib/cache.ts'
import { systemClock } from '../lib/clock.ts'
import { codePoints } from '../lib/schema.ts'
import { isEmail } from '../modules/users/model.ts'
import type { UserStore } from '../modules/users/store.ts'
import { hashPassword, normaliseEmail } from '../modules/users/service.ts'
import { createStores } from '../stores.ts'
import { readHiddenLine, readStdin } from './prompt.ts'

export const CREATE_ADMIN_OPTIONS = {
  email: { type: 'string' },
  name: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const

/**
 * `kiosk create-admin --email E [--name N] (--password-stdin | prompt)`. Idempotent: an existing
 * account is promoted to admin, reactivated and given the new password (and `--name`, if given);
 * its token version is bumped and every refresh token revoked, so whoever held its sessions loses them.
 */
export async function createAdmin(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: CREATE_ADMIN_OPTIONS,
    strict: true,
  })
  const email = values.email ? normaliseEmail(values.email) : ''
  if (!isEmail(email)) {
    console.error('kiosk create-admin: --email must be an email address')
    return 2
  }
  if (values.name !== undefined && (codePoints(values.name) < 1 || codePoints(values.name) > 200)) {
    console.error('kiosk create-admin: --name must be 1 to 200 characters')
    return 2
  }
  const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : await readHiddenLine('Password: ')
  const length = [...password].length
  if (length < 8 || length > 128) {
    console.error('kiosk create-admin: the password must be 8 to 128 characters')
    return 2
  }
  const passwordHash = await hashPassword(password)
  const database = openConfiguredDatabase(config)
  try {
    await migrateDatabase(database)
    const store = createStores({ database, clock: systemClock, config }).users
    const outcome = await store.upsertAdmin({ email, name: values.name, passwordHash, at: systemClock.now().toISOString() })
    console.log(outcome === 'promoted' ? `promoted ${email} to admin` : `created admin ${email}`)
    if (database.dialect === 'postgres' && database.redis) await announce(database.redis, store, email, config.CACHE_TTL)
    return 0
  } finally {
    await database.close()
  }
}

/**
 * With REDIS_URL the running servers follow Redis, not the database's NOTIFY: tell them the
 * account changed, so they drop its cached auth facts (its older tokens are refused at once).
 * The account is saved either way; if Redis can't be reached, say how long servers may lag.
 */
async function announce(redis: RedisHandle, store: UserStore, email: string, cacheTtlMs: number) {
  try {
    const user = await store.findUserByEmail(email)
    if (user) await publishCacheKeys(redis, [cacheKeys.userAuth(user.id)])
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    console.error(`kiosk create-admin: could not tell running servers through Redis (${reason}); they see the change within ${Math.ceil(cacheTtlMs / 1000)} s (CACHE_TTL)`)
  }
}
