/**
 * Bundles the dashboard (index.html and everything it imports) with Bun.build and prints
 * `{ files: { name: { type, text } } }` as JSON on stdout. Run by the build-time macro in
 * bundle.ts, in a process of its own: Bun.build cannot run inside a macro while bundling.
 */
import { join } from 'node:path'

export const ASSET_PREFIX = '/dashboard/assets/'
/** Stylesheets get their own path, so each route serves (and documents) one media type. */
export const STYLE_PREFIX = '/dashboard/styles/'

const result = await Bun.build({
  entrypoints: [join(import.meta.dir, 'index.html')],
  target: 'browser',
  minify: true,
  sourcemap: 'none',
  publicPath: ASSET_PREFIX,
  naming: { entry: '[name].[ext]', chunk: '[name]-[hash].[ext]', asset: '[name]-[hash].[ext]' },
  define: { 'process.env.NODE_ENV': '"production"' },
})
if (!result.success) {
  for (const log of result.logs) console.error(log)
  process.exit(1)
}
const files: Record<string, { type: string; text: string }> = {}
for (const output of result.outputs) {
  files[output.path.replace(/^\.\//, '')] = { type: output.type, text: await output.text() }
}
const page = files['index.html']!
for (const name of Object.keys(files)) {
  if (name.endsWith('.css')) page.text = page.text.replaceAll(`${ASSET_PREFIX}${name}`, `${STYLE_PREFIX}${name}`)
}
process.stdout.write(JSON.stringify({ files }))
