/**
 * The ceiling for order creation on this machine: bun:sqlite alone, one INSERT per transaction,
 * WAL + synchronous=NORMAL, prepared once — what a write path costs with no HTTP, no validation
 * and no other row. Prints inserts per second as JSON. Usage: bun bench/insert-ceiling.ts SECONDS
 */
import { Database } from 'bun:sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const seconds = Number(process.argv[2] ?? 5)
const dir = mkdtempSync(join(tmpdir(), 'kiosk-ceiling-'))
const db = new Database(join(dir, 'ceiling.db'))
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
db.exec('CREATE TABLE rows (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL)')
const insert = db.prepare('INSERT INTO rows (id, payload, created_at) VALUES (?, ?, ?)')
const once = db.transaction(() => insert.run(Bun.randomUUIDv7(), '{"items":[{"quantity":1}]}', new Date().toISOString()))
let count = 0
const started = performance.now()
const deadline = started + seconds * 1000
while (performance.now() < deadline) {
  for (let i = 0; i < 100; i++) once.immediate()
  count += 100
}
const insertsPerSecond = Math.round(count / ((performance.now() - started) / 1000))
db.close()
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ insertsPerSecond }))
