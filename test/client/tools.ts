import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dir, '../..')

/** Runs a command in the repository; resolves with its exit code, output and wall time. */
export async function run(cmd: string[], cwd = ROOT) {
  const started = performance.now()
  const child = Bun.spawn(cmd, { cwd, stdout: 'pipe', stderr: 'pipe' })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  return { code, output: stdout + stderr, seconds: (performance.now() - started) / 1000 }
}

async function mustRun(cmd: string[]) {
  const result = await run(cmd)
  if (result.code !== 0) throw new Error(`${cmd.join(' ')} failed (${result.code}):\n${result.output}`)
  return result
}

let clientPackage: Promise<unknown> | undefined
/** `bun run build:client` once per test run, from the current sources (like ensureExecutable for dist/kiosk). */
export const ensureClientPackage = () => (clientPackage ??= mustRun(['bun', 'run', 'build:client']))

let openapiTypes: Promise<unknown> | undefined
/** `bun run openapi`, then openapi-typescript's output for it in dist/openapi/kiosk-api.d.ts, once per test run. */
export const ensureOpenapiTypes = () =>
  (openapiTypes ??= (async () => {
    await mustRun(['bun', 'run', 'openapi', '--', 'dist/openapi.json'])
    await mustRun(['bun', 'test/client/openapi-types.ts', 'dist/openapi.json', 'dist/openapi/kiosk-api.d.ts'])
  })())

/** `tsc -p PROJECT` with the project's TypeScript (7, by path: `.bin/tsc` could be another package's). */
export const typecheck = (project: string, ...flags: string[]) =>
  run(['bun', resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project, ...flags])

/** The ```ts blocks of the README's "Typed client" section, in order. */
export function readmeTypedClientExamples(): string[] {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find((part) => part.startsWith('Typed client\n'))
  if (!section) throw new Error('the README has no "Typed client" section')
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!)
}

/**
 * Type-checks `code` as `example.ts` of a project in dist/readme-examples/NAME that extends the
 * fixture project `base` (same lib, strict, paths), with `files` copied beside it.
 */
export async function typecheckExample(name: string, code: string, base: string, files: Record<string, string> = {}) {
  const dir = resolve(ROOT, 'dist/readme-examples', name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'example.ts'), code)
  for (const [file, from] of Object.entries(files)) copyFileSync(resolve(ROOT, from), join(dir, file))
  const tsconfig = { extends: relative(dir, resolve(ROOT, base, 'tsconfig.json')), files: ['example.ts'] }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
  return typecheck(dir)
}
