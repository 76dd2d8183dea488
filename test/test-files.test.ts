import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Glob } from 'bun'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('the test files', () => {
  test('each sets its own default timeout of at least 30 s (the preload cannot: it reaches only the first file)', async () => {
    const missing: string[] = []
    for await (const path of new Glob('**/*.test.ts').scan({ cwd: import.meta.dir })) {
      if (path.startsWith('client-consumer/')) continue
      // At least 30 s; a file of long tests may set more.
      const set = /setDefaultTimeout\(([\d_]+)\)/.exec(await Bun.file(`${import.meta.dir}/${path}`).text())
      if (!set || Number(set[1]!.replaceAll('_', '')) < 30_000) missing.push(path)
    }
    expect(missing).toEqual([])
  })
})
