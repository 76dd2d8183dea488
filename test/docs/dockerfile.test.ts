import { expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pkg from '../../package.json'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// No Docker engine (nor registry) on CI machines: the image can't be built here. What can be
// checked is that the file says what the README says it does.
const dockerfile = await Bun.file(join(import.meta.dir, '../../Dockerfile')).text()

test('the build stage uses exactly the Bun that package.json pins, with production dependencies only', () => {
  const pinned = /^bun@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager)![1]
  expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])).toEqual([`oven/bun:${pinned}`, 'debian:bookworm-slim'])
  expect(dockerfile).toContain('RUN bun install --frozen-lockfile --production\n')
})

test('labels, volume, user and health check of the final image', () => {
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  for (const label of ['title', 'description', 'version']) expect(final).toContain(`org.opencontainers.image.${label}=`)
  expect(final).toContain('ARG VERSION=' + pkg.version)
  expect(final).toContain('USER kiosk')
  expect(final).toContain('VOLUME /data')
  expect(final).toMatch(/^HEALTHCHECK .* CMD \["\/app\/kiosk", "healthcheck"\]$/m)
})

test('every file the build stage copies from the checkout exists (a renamed file breaks docker build)', () => {
  const root = join(import.meta.dir, '../..')
  const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/))
  expect(sources).toEqual(['package.json', 'bun.lock', 'tsconfig.json', 'bunfig.toml', 'scripts', 'migrations', 'src'])
  expect(sources.filter((source) => !existsSync(join(root, source)))).toEqual([])
})
