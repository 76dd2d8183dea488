/**
 * `bun test/client/openapi-types.ts IN.json OUT.d.ts`: openapi-typescript's output for a document,
 * as a consumer would get it from `npx openapi-typescript IN.json -o OUT.d.ts`.
 *
 * openapi-typescript builds its output with TypeScript 5's compiler API, which the project's
 * TypeScript 7 (a native compiler, no such API) lacks: for this process only, its `typescript`
 * import is served by the `typescript5` alias (npm:typescript@5). Run as its own process so the
 * redirect never touches anything else.
 */
import { plugin } from 'bun'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

const typescript5 = Bun.resolveSync('typescript5', import.meta.dir)
plugin({
  name: 'typescript-5-for-openapi-typescript',
  setup(build) {
    build.onLoad({ filter: /\/node_modules\/typescript\/lib\/version\.cjs$/ }, () => ({
      contents: `import ts from ${JSON.stringify(typescript5)}; export default ts`,
      loader: 'js',
    }))
  },
})

const [input, output] = process.argv.slice(2)
if (!input || !output) throw new Error('usage: bun test/client/openapi-types.ts IN.json OUT.d.ts')
const { default: openapiTS, astToString } = await import('openapi-typescript')
const ast = await openapiTS(await Bun.file(resolve(input)).json())
mkdirSync(dirname(resolve(output)), { recursive: true })
writeFileSync(resolve(output), astToString(ast))
console.log(`wrote ${output}`)
