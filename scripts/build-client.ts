/**
 * Builds the typed client package into dist/client/ (`bun run build:client`):
 *   types.d.ts   `Routes` (every route's params, query, headers, body and responses per status), `App`
 *                (an Elysia type carrying only those routes) and every public model (the schemas that have
 *                a `title`, i.e. the OpenAPI document's components), all as plain, fully expanded types
 *   index.d.ts   createKioskClient and its option types (from src/client/index.ts)
 *   index.js     src/client/index.ts bundled; @elysiajs/eden stays an import
 *   package.json `kiosk-client`, with elysia (types only) and @elysiajs/eden as peer dependencies
 * The expansion is TypeScript's own: declaration emit prints an inferred type in full, so the
 * declarations name nothing from Kiosk's source or its dependencies (no drizzle, pino, TypeBox, bun-types).
 */
import { Glob } from 'bun'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { Kind, type TSchema } from '@sinclair/typebox'

const root = resolve(import.meta.dir, '..')
const outDir = resolve(root, process.argv[2] ?? 'dist/client')
const work = join(root, 'dist/.client-build')
const pkg = await Bun.file(join(root, 'package.json')).json()

/** Where the public models live: every feature's model.ts, and the problem document. */
const modelFiles = [...new Glob('src/modules/*/model.ts').scanSync({ cwd: root }), 'src/http/problem.ts'].sort()

interface Model {
  title: string
  description?: string
  file: string
  exportName: string
}

async function publicModels(): Promise<Model[]> {
  const byTitle = new Map<string, { schema: TSchema; model: Model }[]>()
  for (const file of modelFiles) {
    const module: Record<string, unknown> = await import(join(root, file))
    for (const [exportName, value] of Object.entries(module)) {
      if (!value || typeof value !== 'object' || !(Kind in value)) continue
      const schema = value as TSchema
      if (typeof schema.title !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(schema.title)) continue
      const entries = byTitle.get(schema.title) ?? []
      if (!entries.some((entry) => entry.schema === schema)) entries.push({ schema, model: { title: schema.title, description: schema.description, file, exportName } })
      byTitle.set(schema.title, entries)
    }
  }
  const models: Model[] = []
  for (const [title, entries] of byTitle) {
    // Like the OpenAPI document (src/http/docs.ts), a title two different schemas share names neither.
    if (entries.length > 1) console.warn(`warning: ${entries.map((e) => `${e.model.file} ${e.model.exportName}`).join(' and ')} are all titled ${title}: no ${title} type`)
    else models.push(entries[0]!.model)
  }
  return models.sort((a, b) => a.title.localeCompare(b.title))
}

/** A TypeScript file whose declaration emit is the expanded types: one exported value per type. */
function surfaceSource(models: Model[]) {
  const from = (file: string) => JSON.stringify(relative(work, join(root, file)))
  const files = [...new Set(models.map((model) => model.file))]
  return [
    `import type { Static, TSchema } from '@sinclair/typebox'`,
    `import type { App } from ${from('src/app.ts')}`,
    ...files.map((file, i) => `import * as m${i} from ${from(file)}`),
    `declare const app: App`,
    `declare function value<T extends TSchema>(schema: T): Static<T>`,
    `export const Routes = app['~Routes']`,
    ...models.map((model) => `export const ${model.title} = value(m${files.indexOf(model.file)}.${model.exportName})`),
    '',
  ].join('\n')
}

async function emitDeclarations(models: Model[]) {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  writeFileSync(join(work, 'surface.ts'), surfaceSource(models))
  const tsconfig = {
    extends: '../../tsconfig.json',
    compilerOptions: { noEmit: false, declaration: true, emitDeclarationOnly: true, noErrorTruncation: true, rootDir: '../..', outDir: 'out' },
    include: [],
    files: ['surface.ts', '../../src/client/index.ts', '../../src/assets.d.ts'],
  }
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
  // TypeScript 7 (the project's compiler) by path: `.bin/tsc` could be another package's.
  const tsc = Bun.spawn([process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', work], { cwd: root, stdout: 'pipe', stderr: 'pipe' })
  const [code, stdout, stderr] = await Promise.all([tsc.exited, new Response(tsc.stdout).text(), new Response(tsc.stderr).text()])
  if (code !== 0) throw new Error(`tsc failed (${code}):\n${stdout}${stderr}`)
  return {
    surface: await Bun.file(join(work, 'out/dist/.client-build/surface.d.ts')).text(),
    client: await Bun.file(join(work, 'out/src/client/index.d.ts')).text(),
  }
}

/** `export declare const X: T;` blocks -> Map X => T. */
function declaredTypes(dts: string) {
  const types = new Map<string, string>()
  const parts = dts.split(/^export declare const (\w+): /m)
  for (let i = 1; i < parts.length; i += 2) types.set(parts[i]!, parts[i + 1]!.trimEnd().replace(/;$/, ''))
  return types
}

const comment = (text: string | undefined) => (text ? `/** ${text.replaceAll('*/', '*\\/')} */\n` : '')

function typesFile(surface: string, models: Model[]) {
  const types = declaredTypes(surface)
  const routes = types.get('Routes')
  if (!routes) throw new Error('the declaration emit has no Routes')
  const lines = [
    `// Generated by scripts/build-client.ts from Kiosk ${pkg.version}. Do not edit.`,
    `import type { Elysia } from 'elysia'`,
    '',
    `/** Every route of the Kiosk API: params, query, headers, body and the response per status code. */`,
    `export type Routes = ${routes}`,
    '',
    `/** The Kiosk app as Eden treaty sees it: an Elysia type that carries only the routes. */`,
    `export type App = Elysia<'', { decorator: {}; store: {}; derive: {}; resolve: {} }, { typebox: {}; error: {} }, { schema: {}; standaloneSchema: {}; macro: {}; macroFn: {}; parser: {}; response: {} }, Routes>`,
    '',
  ]
  for (const model of models) {
    const type = types.get(model.title)
    if (!type) throw new Error(`the declaration emit has no ${model.title}`)
    lines.push(`${comment(model.description)}export type ${model.title} = ${type}`, '')
  }
  const text = lines.join('\n')
  // Declaration emit names a type instead of expanding it only when it has a name in scope; none may leak out.
  if (text.includes('import(')) throw new Error(`the expanded types refer to a module:\n${text.match(/.*import\(.*/)?.[0]}`)
  return text
}

function indexFile(client: string) {
  const rewritten = client.replace(/from ["']\.\.\/app\.ts["']/, `from './types.js'`)
  if (rewritten === client || /from ["']\.\.?\//.test(rewritten.replace(`from './types.js'`, ''))) {
    throw new Error(`unexpected imports in src/client/index.d.ts:\n${client}`)
  }
  return `// Generated by scripts/build-client.ts from src/client/index.ts. Do not edit.\n${rewritten}export type * from './types.js';\n`
}

async function bundle() {
  const result = await Bun.build({
    entrypoints: [join(root, 'src/client/index.ts')],
    outdir: outDir,
    target: 'browser',
    format: 'esm',
    external: ['@elysiajs/eden'],
  })
  if (!result.success) throw new AggregateError(result.logs, 'bundling src/client/index.ts failed')
}

const peerRange = (name: string) => {
  const range: string = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]
  if (!range) throw new Error(`package.json does not name ${name}`)
  return range
}

function packageJson() {
  return {
    name: 'kiosk-client',
    version: pkg.version,
    description: 'Typed client for the Kiosk API (Eden treaty)',
    type: 'module',
    main: './index.js',
    types: './index.d.ts',
    exports: { '.': { types: './index.d.ts', import: './index.js', default: './index.js' }, './package.json': './package.json' },
    files: ['index.js', 'index.d.ts', 'types.d.ts'],
    sideEffects: false,
    // elysia is needed for its types only (Eden's types are written against them); nothing of it runs in the client.
    peerDependencies: { '@elysiajs/eden': peerRange('@elysiajs/eden'), elysia: peerRange('elysia') },
    license: 'MIT',
  }
}

const started = performance.now()
const models = await publicModels()
const { surface, client } = await emitDeclarations(models)
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
await bundle()
writeFileSync(join(outDir, 'types.d.ts'), typesFile(surface, models))
writeFileSync(join(outDir, 'index.d.ts'), indexFile(client))
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(packageJson(), null, 2)}\n`)
rmSync(work, { recursive: true, force: true })

let bytes = 0
for (const file of new Glob('*').scanSync({ cwd: outDir })) bytes += Bun.file(join(outDir, file)).size
console.log(
  `built ${relative(root, outDir)}/ (kiosk-client ${pkg.version}: ${models.length} models, ${(bytes / 1024).toFixed(1)} KiB) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
)
