/**
 * Writes the OpenAPI 3.1 document to a file without listening on a port (`bun run openapi [FILE]`,
 * default dist/openapi.json): the app is built on a migrated database in a temp folder and asked for
 * GET /docs/json through app.handle. It is the document a default deployment serves (no METRICS_TOKEN).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { createApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createContext } from '../src/context.ts'
import { migrateDatabase } from '../src/db/database.ts'
import { createLogger } from '../src/lib/logger.ts'

const root = resolve(import.meta.dir, '..')
const out = resolve(process.cwd(), process.argv[2] ?? join(root, 'dist/openapi.json'))
const dir = mkdtempSync(join(tmpdir(), 'kiosk-openapi-'))
try {
  // A throwaway signing key: nothing is signed, but the config requires one outside development.
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64')
  const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dir, JWT_SECRET: secret, LOG_LEVEL: 'silent' })
  const ctx = createContext(config, { logger: createLogger('silent') })
  try {
    await migrateDatabase(ctx.database)
    const response = await createApp(ctx).handle(new Request('http://localhost/docs/json'))
    if (response.status !== 200) throw new Error(`GET /docs/json answered ${response.status}: ${await response.text()}`)
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`)
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0)
    const shown = relative(process.cwd(), out)
    console.log(`wrote ${shown.startsWith('..') ? out : shown} (OpenAPI ${document.openapi}, ${operations} operations)`)
  } finally {
    await ctx.close()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
