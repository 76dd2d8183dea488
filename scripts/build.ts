/**
 * Compiles src/main.ts into the single `dist/kiosk` executable. Not full --minify: Elysia has
 * open reports of trouble with identifier minification, so only whitespace and syntax are
 * minified. --bytecode cuts cold start (measured by bench/coldstart.ts).
 * Worker entry points (src/workers.ts) are built in as entry points of their own.
 * Bun's request-head ceiling is raised above Kiosk's own head limits (src/http/head-limits.ts), so
 * Kiosk answers oversized request lines and headers with problems instead of Bun's bare 431.
 * The admin dashboard needs no step here: a macro (src/dashboard/bundle.ts) bundles it while this compiles.
 */
import { $ } from 'bun'
import { BUN_HEAD_CEILING } from '../src/http/head-limits.ts'

const workers = ['src/modules/reports/summary-worker.ts', 'src/db/backup-worker.ts']

const outfile = process.argv[2] ?? 'dist/kiosk'
await $`bun build src/main.ts ${workers} --compile --target bun --minify-whitespace --minify-syntax --bytecode --format esm --compile-exec-argv=${`--max-http-header-size=${BUN_HEAD_CEILING}`} --outfile ${outfile}`
console.log(`built ${outfile}`)
