import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { onPostgres } from '../postgres.ts'
import { folderRow } from './folder-database.ts'
import { freshFolder, runKiosk, startKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const LOCAL = { HOST: '127.0.0.1' }

describe('one server per port and per data folder (issue 11, item 13)', () => {
  test('a second server on a port in use stops with one line naming the address, exit 69, before migrating', async () => {
    const first = await startKiosk()
    const port = new URL(first.url).port
    try {
      // PostgreSQL: an empty database, so a migration would show.
      const dir = freshFolder()
      const second = await runKiosk(['serve'], { dir, env: { ...LOCAL, PORT: port } })
      expect(second.code).toBe(69)
      expect(second.stderr).toBe(`kiosk: cannot listen on 127.0.0.1:${port}: the address is already in use (another process listens there)\n`)
      expect(second.stdout).toBe('')
      // It stopped before opening, let alone migrating, a database.
      expect(existsSync(join(dir, 'data', 'kiosk.db'))).toBe(false)
      if (onPostgres) {
        const tables = await folderRow<{ n: number }>(dir, "SELECT CAST(count(*) AS INTEGER) AS n FROM pg_tables WHERE schemaname IN ('public', 'drizzle')")
        expect(tables!.n).toBe(0)
      }
      // The first server still answers every request (nothing was shared with the second).
      for (let i = 0; i < 5; i++) expect((await fetch(`${first.url}/health/ready`)).status).toBe(200)
    } finally {
      expect(await first.stop()).toBe(0)
    }
  })

  test('--port is honoured and collides like PORT', async () => {
    const first = await startKiosk()
    const port = new URL(first.url).port
    try {
      const second = await runKiosk(['serve', '--port', port], { env: LOCAL })
      expect(second.code).toBe(69)
      expect(second.stderr).toContain(`127.0.0.1:${port}`)
    } finally {
      await first.stop()
    }
  })

  test('a second server on the same DATA_DIR is refused with one line, exit 69, naming the holder', async () => {
    const first = await startKiosk()
    try {
      const second = await runKiosk(['serve'], { dir: first.dir, env: { ...LOCAL, PORT: '0' } })
      expect(second.code).toBe(69)
      const holder = JSON.parse(readFileSync(join(first.dir, 'data', 'kiosk.lock.json'), 'utf8')) as { pid: number; since: string }
      expect(holder.pid).toBe(first.process.pid)
      expect(second.stderr).toBe(
        `kiosk: the data folder ${join(first.dir, 'data')} is in use by another kiosk (pid ${first.process.pid}, "kiosk serve" since ${holder.since}); stop it first, or give this one its own DATA_DIR\n`,
      )
    } finally {
      expect(await first.stop()).toBe(0)
    }
    // Released at exit: the holder note is gone and the next server starts.
    expect(existsSync(join(first.dir, 'data', 'kiosk.lock.json'))).toBe(false)
    const again = await startKiosk({ dir: first.dir })
    expect(await again.stop()).toBe(0)
  })

  test('the lock of a server killed with -9 does not outlive it', async () => {
    const first = await startKiosk()
    expect(await first.stop('SIGKILL')).toBe(137)
    const second = await startKiosk({ dir: first.dir })
    try {
      expect((await fetch(`${second.url}/health/ready`)).status).toBe(200)
      const holder = JSON.parse(readFileSync(join(first.dir, 'data', 'kiosk.lock.json'), 'utf8')) as { pid: number }
      expect(holder.pid).toBe(second.process.pid)
    } finally {
      expect(await second.stop()).toBe(0)
    }
  })
})
