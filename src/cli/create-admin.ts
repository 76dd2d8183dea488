import { eq, sql } from 'drizzle-orm'
import { parseArgs } from 'node:util'
import type { Config } from '../config.ts'
import { openDatabase } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { users } from '../db/schema.ts'
import { hashPassword, normaliseEmail } from '../modules/users/service.ts'
import { readHiddenLine, readStdin } from './prompt.ts'

const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/

/**
 * `kiosk create-admin --email E [--name N] (--password-stdin | prompt)`. Idempotent: an existing
 * account is promoted to admin, reactivated and given the new password (its tokens are revoked).
 */
export async function createAdmin(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    strict: true,
  })
  const email = values.email ? normaliseEmail(values.email) : ''
  if (!EMAIL.test(email) || email.length > 254) {
    console.error('kiosk create-admin: --email must be an email address')
    return 2
  }
  const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : await readHiddenLine('Password: ')
  const length = [...password].length
  if (length < 8 || length > 128) {
    console.error('kiosk create-admin: the password must be 8 to 128 characters')
    return 2
  }
  const passwordHash = await hashPassword(password)
  const database = openDatabase(config.DATABASE_PATH)
  try {
    migrate(database.sqlite)
    const now = new Date().toISOString()
    const existing = database.db.select().from(users).where(eq(users.email, email)).get()
    if (existing) {
      database.db
        .update(users)
        .set({ role: 'admin', active: true, passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: now })
        .where(eq(users.id, existing.id))
        .run()
      console.log(`promoted ${email} to admin`)
    } else {
      database.db
        .insert(users)
        .values({ id: Bun.randomUUIDv7(), email, name: values.name ?? 'Administrator', passwordHash, role: 'admin', active: true, tokenVersion: 0, createdAt: now, updatedAt: now })
        .run()
      console.log(`created admin ${email}`)
    }
    return 0
  } finally {
    database.close()
  }
}
