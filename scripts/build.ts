/**
 * Compiles src/main.ts into the single `dist/kiosk` executable. Not full --minify: Elysia has
 * open reports of trouble with identifier minification, so only whitespace and syntax are
 * minified. --bytecode cuts cold start (measured by bench/coldstart.ts).
 */
import { $ } from 'bun'

const outfile = process.argv[2] ?? 'dist/kiosk'
await $`bun build src/main.ts --compile --target bun --minify-whitespace --minify-syntax --bytecode --format esm --outfile ${outfile}`
console.log(`built ${outfile}`)
