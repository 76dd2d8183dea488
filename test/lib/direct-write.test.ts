import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { directWriter, type Destination } from '../../src/lib/direct-write.ts'

setDefaultTimeout(30_000)

const dir = mkdtempSync(join(tmpdir(), 'kiosk-direct-write-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** What directWriter reads of SonicBoom: its fd, idle, nothing buffered; `write` records what falls back to it. */
function destination(fd: number) {
  const fallback: string[] = []
  const target: Destination = { fd, _writing: false, _len: 0, write: (text: string) => fallback.push(text) }
  return { target, fallback }
}

describe('directWriter', () => {
  test('a regular file is written directly, in order, nothing left to SonicBoom', () => {
    const path = join(dir, 'log')
    const fd = openSync(path, 'w')
    const { target, fallback } = destination(fd)
    const write = directWriter(target)!
    write('{"a":1}\n')
    write('{"b":"é"}\n{"c":3}\n')
    closeSync(fd)
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":"é"}\n{"c":3}\n')
    expect(fallback).toEqual([])
  })

  test('while SonicBoom has a write in flight, lines go through it so none overtakes another', () => {
    const path = join(dir, 'busy')
    const fd = openSync(path, 'w')
    const { target, fallback } = destination(fd)
    const write = directWriter(target)!
    target._writing = true
    write('{"queued":1}\n')
    closeSync(fd)
    expect(fallback).toEqual(['{"queued":1}\n'])
    expect(readFileSync(path, 'utf8')).toBe('')
  })

  // Linux's device numbers: /dev/null is a memory device (major 1), a terminal is not.
  test.if(process.platform === 'linux')('/dev/null is written directly; a terminal keeps SonicBoom', () => {
    const devNull = openSync('/dev/null', 'w')
    const { target: nullTarget, fallback } = destination(devNull)
    const write = directWriter(nullTarget)
    expect(write).toBeInstanceOf(Function)
    write!('{"dropped":true}\n')
    expect(fallback).toEqual([])
    closeSync(devNull)

    // A new pseudo-terminal's master side: a character device that can block, so no direct path.
    const terminal = openSync('/dev/ptmx', 'r+')
    expect(directWriter(destination(terminal).target)).toBeUndefined()
    closeSync(terminal)
  })

  test('a stream that is not SonicBoom (no fd) keeps its own write', () => {
    expect(directWriter({ write: () => true })).toBeUndefined()
  })
})
