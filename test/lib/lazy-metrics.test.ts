import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { resolve } from 'node:path'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const script = resolve(import.meta.dir, 'fixtures/serve-then-scrape.ts')

describe('libraries loaded at their first use', () => {
  test('prom-client at the first scrape (~15 ms of every start-up), the JWT signer at the first signature (~1.5 ms)', async () => {
    // A process of its own: this test process has loaded prom-client through other tests.
    const child = Bun.spawn([process.execPath, script], { stdout: 'pipe', stderr: 'pipe' })
    const [code, out, err] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
    expect({ code, err }).toEqual({ code: 0, err: '' })
    expect(JSON.parse(out)).toEqual({
      live: 200,
      scrape: 200,
      processMetrics: true,
      afterRequest: false,
      afterScrape: true,
      signerAfterRequest: false,
      signerAfterScrape: false,
      signed: true,
      signerAfterSign: true,
    })
  })
})
