import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireDataLock, DataLockedError } from '../../src/cli/data-lock.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

describe('the DATA_DIR lock', () => {
  test('one holder at a time; the refusal names the holder; release lets the next one in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-lock-'))
    const first = acquireDataLock(dir, 'serve', new Date('2026-12-01T10:00:00.000Z'))
    expect(JSON.parse(readFileSync(join(dir, 'kiosk.lock.json'), 'utf8'))).toEqual({ pid: process.pid, command: 'serve', since: '2026-12-01T10:00:00.000Z' })
    let refused: unknown
    try {
      acquireDataLock(dir, 'restore')
    } catch (error) {
      refused = error
    }
    expect(refused).toBeInstanceOf(DataLockedError)
    expect((refused as DataLockedError).message).toBe(
      `the data folder ${dir} is in use by another kiosk (pid ${process.pid}, "kiosk serve" since 2026-12-01T10:00:00.000Z); stop it first, or give this one its own DATA_DIR`,
    )
    first.release()
    first.release() // idempotent
    expect(existsSync(join(dir, 'kiosk.lock.json'))).toBe(false)
    const second = acquireDataLock(dir, 'restore')
    expect(JSON.parse(readFileSync(join(dir, 'kiosk.lock.json'), 'utf8'))).toMatchObject({ command: 'restore' })
    second.release()
  })

  test('is held across processes and released by the OS when its holder is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-lock-'))
    const holder = Bun.spawn(
      [process.execPath, '-e', `const { acquireDataLock } = await import(${JSON.stringify(join(import.meta.dir, '../../src/cli/data-lock.ts'))}); acquireDataLock(${JSON.stringify(dir)}, 'serve'); Bun.gc(true); console.log('held'); setInterval(() => {}, 1000)`],
      { stdout: 'pipe', stderr: 'ignore' },
    )
    try {
      // The holder keeps no reference to its lock and collects garbage: it must hold anyway (a collected
      // connection would be closed, dropping the lock).
      let out = ''
      for await (const chunk of holder.stdout) if ((out += new TextDecoder().decode(chunk)).includes('\n')) break
      expect(out).toBe('held\n')
      expect(() => acquireDataLock(dir, 'serve')).toThrow(DataLockedError)
    } finally {
      holder.kill('SIGKILL')
    }
    await holder.exited
    const taken = acquireDataLock(dir, 'serve')
    expect(JSON.parse(readFileSync(join(dir, 'kiosk.lock.json'), 'utf8')).pid).toBe(process.pid)
    taken.release()
  })
})
