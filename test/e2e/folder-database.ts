import { Database } from 'bun:sqlite'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openPostgres } from '../../src/db/pg/client.ts'
import { databaseEnv } from './harness.ts'

/*
 * What a test looks at under the executable: the database of a data folder, its SQLite file
 * (data/kiosk.db) or, in the PostgreSQL pass, the folder's own database (harness.ts: databaseEnv).
 * Statements are written once for both: `?` placeholders, TRUE/FALSE literals, and CAST(… AS
 * INTEGER) on counts (PostgreSQL returns bigint counts as strings).
 */

export type FolderRow = Record<string, unknown>

/** Runs `text` on the folder's database and returns its rows; booleans come back as SQLite's 1/0. */
export async function folderQuery<T extends FolderRow = FolderRow>(dir: string, text: string, params: unknown[] = []): Promise<T[]> {
  const { DATABASE_URL } = await databaseEnv(dir)
  if (DATABASE_URL) {
    const database = openPostgres(DATABASE_URL, { max: 1 })
    try {
      let index = 0
      const rows = (await database.sql.unsafe(text.replace(/\?/g, () => `$${++index}`), params as never[])) as FolderRow[]
      return rows.map((row) => sqliteShaped(row) as T)
    } finally {
      await database.close()
    }
  }
  const sqlite = new Database(join(dir, 'data', 'kiosk.db'), { readwrite: true })
  try {
    sqlite.exec('PRAGMA busy_timeout = 5000')
    return sqlite.query(text).all(...(params as never[])) as T[]
  } finally {
    sqlite.close()
  }
}

/** The first row of `text`, or undefined. */
export async function folderRow<T extends FolderRow = FolderRow>(dir: string, text: string, params: unknown[] = []): Promise<T | undefined> {
  return (await folderQuery<T>(dir, text, params))[0]
}

const sqliteShaped = (row: FolderRow): FolderRow =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'boolean' ? Number(value) : value]))

export interface FolderFile {
  name: string
  bytes: Buffer
}

/**
 * Every file in a FileStore folder of the data folder ('images', 'reports'), temp files included:
 * the files under data/<folder>/ on SQLite, the rows of `files` keyed <folder>/… on PostgreSQL
 * (src/db/pg/files.ts). Sorted by name.
 */
export async function folderFiles(dir: string, folder: 'images' | 'reports'): Promise<FolderFile[]> {
  const { DATABASE_URL } = await databaseEnv(dir)
  if (DATABASE_URL) {
    const rows = await folderQuery<{ key: string; content: Uint8Array; size: number }>(
      dir,
      'SELECT key, content, size FROM files WHERE starts_with(key, ?) ORDER BY key',
      [`${folder}/`],
    )
    return rows.map((row) => {
      // The size column is what the store serves as Content-Length: it must be the content's.
      if (row.size !== row.content.byteLength) throw new Error(`files row ${row.key}: size ${row.size}, content ${row.content.byteLength} bytes`)
      return { name: row.key.slice(folder.length + 1), bytes: Buffer.from(row.content) }
    })
  }
  const path = join(dir, 'data', folder)
  if (!existsSync(path)) return []
  return readdirSync(path)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(path, name)) }))
}
