import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'

/*
 * Files Kiosk keeps beside its rows (product images, report snapshots), by key: `folder/name`
 * ("images/….png", "reports/summary-….json"). On SQLite they are files under DATA_DIR (this
 * file); on PostgreSQL rows of the `files` table (src/db/pg/files.ts), so every replica sees
 * the same ones. Callers make the names; a key of any other shape is a bug and throws.
 */

export interface FileInfo {
  key: string
  /** Bytes. */
  size: number
  /** When it was stored (ISO). */
  createdAt: string
}

export interface FileStore {
  /**
   * True when other processes store files here at the same time (PostgreSQL: every replica),
   * so a file nothing points at yet may be another process's upload in flight.
   */
  readonly shared: boolean
  /** Stores the bytes under `key`, replacing any file there; a reader sees the old bytes or the new ones, never part. Returns the size. */
  put(key: string, content: Uint8Array, contentType: string): Promise<number>
  /** The file's bytes (a Blob: a response streams it) and size; undefined when there is none. */
  get(key: string): Promise<{ body: Blob; size: number } | undefined>
  stat(key: string): Promise<FileInfo | undefined>
  /** Removes the file; nothing happens when there is none. */
  delete(key: string): Promise<void>
  /** The files whose key starts with `folder` ("images/"), by key. */
  list(folder: string): Promise<FileInfo[]>
  /** Removes what interrupted puts under `folder` left behind; returns how many. */
  sweepPartial(folder: string): Promise<number>
}

/** `folder/name`: a lowercase folder, a name without separators that does not start with a dot (dot names are temp files). */
const FILE_KEY = /^[a-z][a-z0-9-]*\/[^./\\\0][^/\\\0]*$/
const FOLDER = /^[a-z][a-z0-9-]*\/$/

export function assertFileKey(key: string): string {
  if (!FILE_KEY.test(key)) throw new Error(`not a file key: ${JSON.stringify(key)}`)
  return key
}

export function assertFolder(folder: string): string {
  if (!FOLDER.test(folder)) throw new Error(`not a file folder: ${JSON.stringify(folder)}`)
  return folder
}

/** Temp files of puts in progress: never a key (keys don't start with a dot), so never served or listed. */
const PARTIAL_PREFIX = '.upload-'

/**
 * Files under `root` (DATA_DIR): a put writes a temp file, flushes it and renames it into place,
 * so after a crash or power loss a name points at complete bytes or at nothing; what a crash
 * leaves (temp files) sweepPartial removes at start-up.
 */
export function createDiskFileStore(root: string): FileStore {
  const pathOf = (key: string) => join(root, assertFileKey(key))

  async function statPath(key: string, path: string): Promise<FileInfo | undefined> {
    const info = await stat(path).catch(() => undefined)
    return info?.isFile() ? { key, size: info.size, createdAt: info.mtime.toISOString() } : undefined
  }

  async function names(folder: string): Promise<string[]> {
    try {
      return await readdir(join(root, assertFolder(folder)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  return {
    shared: false,
    async put(key, content) {
      const path = pathOf(key)
      const [folder, name] = key.split('/') as [string, string]
      await mkdir(join(root, folder), { recursive: true })
      const temp = join(root, folder, `${PARTIAL_PREFIX}${name}.${Bun.randomUUIDv7()}`)
      try {
        await Bun.write(temp, content)
        // Flushed before the rename, so the name never points at a half-written file after a power loss.
        const handle = await open(temp, 'r')
        await handle.sync().finally(() => handle.close())
        await rename(temp, path)
      } catch (error) {
        await rm(temp, { force: true })
        throw error
      }
      return content.byteLength
    },
    async get(key) {
      const path = pathOf(key)
      const info = await statPath(key, path)
      return info ? { body: Bun.file(path), size: info.size } : undefined
    },
    stat: (key) => statPath(key, pathOf(key)),
    async delete(key) {
      await rm(pathOf(key), { force: true })
    },
    async list(folder) {
      const found: FileInfo[] = []
      for (const name of (await names(folder)).sort()) {
        if (!FILE_KEY.test(`${folder}${name}`)) continue
        const info = await statPath(`${folder}${name}`, join(root, folder, name))
        if (info) found.push(info)
      }
      return found
    },
    async sweepPartial(folder) {
      let removed = 0
      for (const name of await names(folder)) {
        if (!name.startsWith(PARTIAL_PREFIX)) continue
        await rm(join(root, folder, name), { force: true, recursive: false })
        removed++
      }
      return removed
    },
  }
}
