import { join } from 'node:path'
import { createJwt } from '../../src/context.ts'
import { openDatabase } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'
import { openPostgres } from '../../src/db/pg/client.ts'
import * as pgSchema from '../../src/db/schema.pg.ts'
import { products, users } from '../../src/db/schema.ts'
import { hashPassword } from '../../src/modules/users/service.ts'
import { databaseEnv, emptyFolder } from './harness.ts'

export const E2E_SECRET = 'e2e-secret-that-is-long-enough-for-hs256!!'

export interface SeededUser {
  id: string
  email: string
  password: string
  role: 'user' | 'admin'
  token: string
}

/**
 * Prepares a data folder before the executable starts: a migrated database holding the given
 * users (with real argon2id hashes) and products, and access tokens signed with E2E_SECRET, as
 * the token endpoint would sign them. Start kiosk with `{ dir, env: { JWT_SECRET: E2E_SECRET } }`.
 * In the PostgreSQL pass the rows go into the folder's own database (harness.ts: databaseEnv),
 * which the executable started in that folder then uses.
 */
export async function seedDataFolder(options: {
  users?: { role: 'user' | 'admin'; email?: string; password?: string }[]
  products?: { sku: string; name?: string; priceCents?: number; stock: number; active?: boolean }[]
} = {}) {
  const dir = emptyFolder()
  const insert = await rowWriter(dir)
  const jwt = createJwt(E2E_SECRET)
  const now = new Date().toISOString()
  const seededUsers: SeededUser[] = []
  for (const [index, spec] of (options.users ?? []).entries()) {
    const password = spec.password ?? `password-${index}-long-enough`
    const row = {
      id: Bun.randomUUIDv7(),
      email: spec.email ?? `${spec.role}${index}@e2e.test`,
      name: `${spec.role} ${index}`,
      passwordHash: await hashPassword(password),
      role: spec.role,
      active: true,
      tokenVersion: 0,
      createdAt: now,
      updatedAt: now,
    }
    await insert.users(row)
    const token = await jwt.sign({
      sub: row.id,
      role: row.role,
      ver: 0,
      jti: Bun.randomUUIDv7(),
      exp: Math.floor(Date.now() / 1000) + 3600,
    })
    seededUsers.push({ id: row.id, email: row.email, password, role: row.role, token })
  }
  const seededProducts = []
  for (const spec of options.products ?? []) {
    const row = {
      id: Bun.randomUUIDv7(),
      sku: spec.sku,
      name: spec.name ?? `Product ${spec.sku}`,
      description: '',
      category: 'e2e',
      priceCents: spec.priceCents ?? 1000,
      stock: spec.stock,
      active: spec.active ?? true,
      createdAt: now,
      updatedAt: now,
    }
    await insert.products(row)
    seededProducts.push(row)
  }
  await insert.close()
  return { dir, users: seededUsers, products: seededProducts, env: { JWT_SECRET: E2E_SECRET } }
}

type UserRow = typeof users.$inferInsert
type ProductRow = typeof products.$inferInsert

/** Inserts fixture rows into the folder's database: its SQLite file, or (PostgreSQL pass) its own PostgreSQL database. */
async function rowWriter(dir: string) {
  const { DATABASE_URL } = await databaseEnv(dir)
  if (DATABASE_URL) {
    const database = openPostgres(DATABASE_URL, { max: 1 })
    return {
      users: async (row: UserRow) => void (await database.db.insert(pgSchema.users).values(row as never)),
      products: async (row: ProductRow) => void (await database.db.insert(pgSchema.products).values(row as never)),
      close: () => database.close(),
    }
  }
  const database = openDatabase(join(dir, 'data', 'kiosk.db'))
  migrate(database.sqlite)
  return {
    users: async (row: UserRow) => void database.db.insert(users).values(row).run(),
    products: async (row: ProductRow) => void database.db.insert(products).values(row).run(),
    close: async () => database.close(),
  }
}
