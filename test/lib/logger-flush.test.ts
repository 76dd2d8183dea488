import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { resolve } from 'node:path'

setDefaultTimeout(30_000)

const script = resolve(import.meta.dir, 'fixtures/log-then-exit.ts')

describe('flushLogger', () => {
  // The loss it prevents (kiosk serve's last line, "stopped", missing from a pipe on exit about half
  // the time) is caught by test/e2e/reports.test.ts; here, what it promises: all lines, in order,
  // through a pipe that is read slowly, so SonicBoom has writes buffered and in flight at the exit.
  test('every line logged before an exit reaches a pipe read slowly', async () => {
    const child = Bun.spawn(['bun', script, '2000'], { stdout: 'pipe', stderr: 'pipe' })
    const reader = child.stdout.getReader()
    const decoder = new TextDecoder()
    let text = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += decoder.decode(value, { stream: true })
      await Bun.sleep(2)
    }
    expect(await child.exited).toBe(0)
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as { msg: string; i?: number })
    expect(lines.length).toBe(2001)
    expect(lines.at(-1)!.msg).toBe('stopped')
    expect(lines.slice(0, 2000).map((line) => line.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
  })
})
