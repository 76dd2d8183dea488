/**
 * The order-creation ceiling over HTTP: a bare Elysia app whose POST /orders parses the JSON body
 * and inserts one row in one transaction (WAL, synchronous=NORMAL, statement prepared once), into a
 * database of its own. No auth, no validation, no stock, no other row: what Kiosk's order path is
 * compared against. (bench/insert-ceiling.ts is the same insert with no HTTP at all.)
 *
 *   bun bench/peers/elysia-insert.ts --db scratch.db --port 4000
 */
import { Database } from 'bun:sqlite'
import { Elysia } from 'elysia'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } })
if (!values.db || !values.port) throw new Error('usage: bun bench/peers/elysia-insert.ts --db FILE --port N')

const db = new Database(values.db, { create: true })
db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)')
const insert = db.prepare<void, [string, string, string]>('INSERT INTO orders (id, body, created_at) VALUES (?, ?, ?)')
const insertOne = db.transaction((id: string, body: string, createdAt: string) => insert.run(id, body, createdAt))

new Elysia()
  .get('/health/live', () => ({ status: 'ok' }))
  .post('/orders', ({ body, status }) => {
    const id = Bun.randomUUIDv7()
    const createdAt = new Date().toISOString()
    insertOne.immediate(id, JSON.stringify(body), createdAt)
    return status(201, { id, status: 'pending', created_at: createdAt })
  })
  .listen({ hostname: '127.0.0.1', port: Number(values.port), reusePort: false })
console.log(`elysia-insert listening on 127.0.0.1:${values.port}`)
