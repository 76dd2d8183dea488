import { defineConfig } from 'drizzle-kit'

// The PostgreSQL twin: drizzle-kit reads src/db/schema.pg.ts and writes migrations/pg/
// (`generate` needs no server; DATABASE_URL is only for drizzle-kit's own migrate/studio).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.pg.ts',
  out: './migrations/pg',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/kiosk' },
})
