import { defineConfig } from 'drizzle-kit'

// drizzle-kit reads the TypeScript schema and writes SQL migrations into migrations/.
// `bun run db:generate` then embeds them into src/db/migrations.gen.ts for the executable.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_PATH ?? './data/kiosk.db' },
})
