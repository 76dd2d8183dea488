import { defineConfig } from 'drizzle-kit'

// drizzle-kit reads the SQLite schema and writes its SQL migrations into migrations/sqlite/.
// `bun run db:generate` then embeds both dialects' migrations into src/db/ for the executable.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations/sqlite',
  dbCredentials: { url: process.env.DATABASE_PATH ?? './data/kiosk.db' },
})
