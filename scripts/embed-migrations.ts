/**
 * Embeds both dialects' migrations (drizzle-kit's SQL files and journals) into src/db/, so the
 * compiled executable carries them: drizzle's own migrate() reads a folder, which a binary run in
 * an empty directory doesn't have. Run by `bun run db:generate`; a test checks they agree.
 */
import { renderEmbeddedMigrations } from '../src/db/embed.ts'

const targets = [
  { folder: '../migrations/sqlite/', file: '../src/db/migrations.gen.ts' },
  { folder: '../migrations/pg/', file: '../src/db/pg/migrations.gen.ts' },
]
for (const { folder, file } of targets) {
  const target = new URL(file, import.meta.url)
  await Bun.write(target, await renderEmbeddedMigrations(new URL(folder, import.meta.url).pathname))
  console.log(`wrote ${target.pathname}`)
}
