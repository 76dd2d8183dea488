import { afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/client.ts'
import { migrate } from '../../src/db/migrate.ts'

/**
 * A migrated database file in a temp folder with two connections to it: what two worker
 * processes have. Closed and removed after the file's tests.
 */
export function twoConnections(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const path = join(dir, 'kiosk.db')
  const first = openDatabase(path)
  migrate(first.sqlite)
  const second = openDatabase(path)
  afterAll(() => {
    first.close()
    second.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { first, second, path }
}
