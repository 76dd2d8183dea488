import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import SwaggerParser from '@apidevtools/swagger-parser'
import { join, resolve } from 'node:path'
import { createTestApp, json } from '../helpers.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * The served OpenAPI document passes the outside checkers named in shared/TOOLS.md:
 * swagger-parser validate and redocly lint, both with no errors.
 */
const t = await createTestApp()
afterAll(() => t.close())

describe('GET /docs/json', () => {
  test('passes swagger-parser validate', async () => {
    const document = await json(await t.request('/docs/json'))
    await SwaggerParser.validate(structuredClone(document))
  })

  test('passes redocly lint with no errors', async () => {
    const file = join(t.dir, 'openapi.json')
    await Bun.write(file, JSON.stringify(await json(await t.request('/docs/json'))))
    const redocly = Bun.spawn([resolve(import.meta.dir, '../../node_modules/.bin/redocly'), 'lint', file, '--format=stylish'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [code, out, err] = await Promise.all([redocly.exited, new Response(redocly.stdout).text(), new Response(redocly.stderr).text()])
    expect({ code, errors: `${out}\n${err}`.split('\n').filter((line) => /error/i.test(line) && !/0 errors/.test(line)) }).toEqual({
      code: 0,
      errors: [],
    })
  }, 60_000)
})
