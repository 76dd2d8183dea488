import type { SQL } from 'bun'
import type { Clock } from '../../lib/clock.ts'
import { assertFileKey, assertFolder, type FileInfo, type FileStore } from '../files.ts'

/*
 * The FileStore on PostgreSQL: one row of `files` per key (bytea content; an image is at most
 * IMAGE_MAX_BYTES, a snapshot a few kB), so every replica sees the same files and no process
 * keeps anything that matters on its local disk. A put is one statement: there is never half a
 * file, and nothing for sweepPartial to remove.
 */

interface InfoRow {
  key: string
  size: number
  created_at: string
}

const toInfo = (row: InfoRow): FileInfo => ({ key: row.key, size: Number(row.size), createdAt: row.created_at })

/**
 * The keys under `folder` ("images/") are the range [folder, folder with its "/" raised to "0"):
 * key is COLLATE "C" (byte order), so this walks the primary key's index whatever the plan.
 */
const folderRange = (folder: string) => [assertFolder(folder), `${folder.slice(0, -1)}0`] as const

export function createPgFileStore(sql: SQL, clock: Clock): FileStore {
  return {
    shared: true,
    async put(key, content, contentType) {
      await sql`
        INSERT INTO files (key, content_type, content, size, created_at)
        VALUES (${assertFileKey(key)}, ${contentType}, ${content}, ${content.byteLength}, ${clock.now().toISOString()})
        ON CONFLICT (key) DO UPDATE SET content_type = excluded.content_type, content = excluded.content,
          size = excluded.size, created_at = excluded.created_at`
      return content.byteLength
    },
    async get(key) {
      const [row] = await sql<{ content: Uint8Array; content_type: string; size: number }[]>`
        SELECT content, content_type, size FROM files WHERE key = ${assertFileKey(key)}`
      return row ? { body: new Blob([row.content], { type: row.content_type }), size: Number(row.size) } : undefined
    },
    async stat(key) {
      const [row] = await sql<InfoRow[]>`SELECT key, size, created_at FROM files WHERE key = ${assertFileKey(key)}`
      return row ? toInfo(row) : undefined
    },
    async delete(key) {
      await sql`DELETE FROM files WHERE key = ${assertFileKey(key)}`
    },
    async list(folder) {
      const [from, to] = folderRange(folder)
      const rows = await sql<InfoRow[]>`SELECT key, size, created_at FROM files WHERE key >= ${from} AND key < ${to} ORDER BY key`
      return rows.map(toInfo)
    },
    async sweepPartial(folder) {
      assertFolder(folder)
      return 0
    },
  }
}
