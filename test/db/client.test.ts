import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'

setDefaultTimeout(30_000)

const pragma = (handle: ReturnType<typeof openDatabase>, name: string) =>
  Object.values(handle.sqlite.query(`PRAGMA ${name}`).get() as Record<string, unknown>)[0]

describe('openDatabase (SQLite)', () => {
  test('the read-write connection: WAL, synchronous=NORMAL (1), foreign keys, temp_store=MEMORY (2); a read-only one keeps the default temp store (0)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-client-'))
    try {
      const writer = openDatabase(join(dir, 'kiosk.db'))
      expect([pragma(writer, 'journal_mode'), pragma(writer, 'synchronous'), pragma(writer, 'foreign_keys'), pragma(writer, 'temp_store')]).toEqual(['wal', 1, 1, 2])
      const reader = openDatabase(join(dir, 'kiosk.db'), { readonly: true })
      expect([pragma(reader, 'journal_mode'), pragma(reader, 'temp_store'), pragma(reader, 'busy_timeout')]).toEqual(['wal', 0, 5000])
      reader.close()
      writer.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
