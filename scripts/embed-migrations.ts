/**
 * Embeds migrations/ (drizzle-kit's SQL files and journal) into src/db/migrations.gen.ts, so the
 * compiled executable carries them: drizzle's own migrate() reads a folder, which a binary run in
 * an empty directory doesn't have. Run by `bun run db:generate`; a test checks the two agree.
 */
import { renderEmbeddedMigrations } from '../src/db/embed.ts'

const target = new URL('../src/db/migrations.gen.ts', import.meta.url)
await Bun.write(target, await renderEmbeddedMigrations(new URL('../migrations/', import.meta.url).pathname))
console.log(`wrote ${target.pathname}`)
