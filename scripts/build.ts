/**
 * Compiles src/main.ts into the single `dist/kiosk` executable. Not full --minify: Elysia has
 * open reports of trouble with identifier minification, so only whitespace and syntax are
 * minified. --bytecode cuts cold start (measured by bench/coldstart.ts).
 * Worker entry points (src/workers.ts) are built in as entry points of their own.
 * No autoloading of .env* files or bunfig.toml from the folder it runs in: src/config.ts reads
 * exactly one file, ./.env, under the environment, as the README says.
 */
import { $ } from 'bun'

const workers = ['src/modules/reports/summary-worker.ts', 'src/jobs/backup-worker.ts']

const outfile = process.argv[2] ?? 'dist/kiosk'
await $`bun build src/main.ts ${workers} --compile --no-compile-autoload-dotenv --no-compile-autoload-bunfig --target bun --minify-whitespace --minify-syntax --bytecode --format esm --outfile ${outfile}`
console.log(`built ${outfile}`)
