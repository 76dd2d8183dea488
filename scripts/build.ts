/**
 * Compiles src/main.ts into the single `dist/kiosk` executable. Not full --minify: Elysia has
 * open reports of trouble with identifier minification, so only whitespace and syntax are
 * minified. --bytecode cuts cold start (measured by bench/coldstart.ts), and CommonJS output more
 * than ESM: as ESM, every Node built-in that any bundled module imports (postgres.js's net and
 * tls, say) is a static import of the whole bundle and loads at start-up, even for modules that
 * are themselves loaded lazily (src/db/pg/load.ts); as CommonJS such imports stay inside their
 * lazily run module. Measured by bench/coldstart.ts: ~20 ms less CPU to the first response
 * (hence no top-level await in src/main.ts).
 * Worker entry points (src/workers.ts) are built in as entry points of their own.
 * Bun's request-head ceiling is raised above Kiosk's own head limits (src/http/head-limits.ts), so
 * Kiosk answers oversized request lines and headers with problems instead of Bun's bare 431.
 * The admin dashboard needs no step here: a macro (src/dashboard/bundle.ts) bundles it while this compiles.
 * No autoloading of .env* files or bunfig.toml from the folder it runs in: src/config.ts reads
 * exactly one file, ./.env, under the environment, as the README says.
 * JavaScriptCore's tier-up thresholds are raised for the start and restored once serving
 * (src/lib/jit-policy.ts).
 * The bytecode is laid out by scripts/bytecode-order.txt, the functions a recorded start used
 * (scripts/record-bytecode-order.ts), when that file is there. A file another version of Bun
 * recorded only draws a warning, and the build goes on (tried with a forged file on Bun 1.4.5).
 */
import { $ } from 'bun'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { COMPILE_FLAGS } from './compile-flags.ts'

const workers = ['src/modules/reports/summary-worker.ts', 'src/jobs/backup-worker.ts']

const outfile = process.argv[2] ?? 'dist/kiosk'
const orderFile = resolve(import.meta.dir, 'bytecode-order.txt')
const bytecodeOrder = existsSync(orderFile) ? [`--bytecode-order=${orderFile}`] : []
await $`bun build src/main.ts ${workers} ${COMPILE_FLAGS} ${bytecodeOrder} --outfile ${outfile}`
console.log(`built ${outfile}`)
