import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { NotFoundError } from '../../lib/errors.ts'
import type { SnapshotDocument, SnapshotInfo, Summary } from './model.ts'

/**
 * Report snapshots: JSON files in one folder, named only by this pattern. The pattern is the
 * whole access check: a requested name that doesn't match it (`..`, slashes, encoded or not,
 * absolute paths, anything else) is never joined to a path, so nothing outside the folder can
 * be named. `-N` tells apart snapshots taken in the same millisecond.
 */
export const SNAPSHOT_NAME = /^summary-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z(?:-([1-9]\d{0,5}))?\.json$/

export const snapshotName = (at: Date, sequence = 0) =>
  `summary-${at.toISOString().replace(/[:.]/g, '-')}${sequence ? `-${sequence}` : ''}.json`

interface ParsedName {
  createdAt: string
  sequence: number
}

function parseName(name: string): ParsedName | undefined {
  const match = SNAPSHOT_NAME.exec(name)
  if (!match) return undefined
  const createdAt = `${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z`
  if (Number.isNaN(Date.parse(createdAt))) return undefined
  return { createdAt, sequence: Number(match[6] ?? 0) }
}

export function createSnapshotStore(folder: string, keep: number) {
  // Names being written now, so two snapshots in the same millisecond never pick the same name.
  const reserved = new Set<string>()

  function reserveName(at: Date): string {
    for (let sequence = 0; ; sequence++) {
      const name = snapshotName(at, sequence)
      if (!reserved.has(name) && !existsSync(join(folder, name))) {
        reserved.add(name)
        return name
      }
    }
  }

  async function list(): Promise<SnapshotInfo[]> {
    const names = existsSync(folder) ? await readdir(folder) : []
    const found: (SnapshotInfo & { sequence: number })[] = []
    for (const name of names) {
      const parsed = parseName(name)
      if (!parsed) continue
      const info = await stat(join(folder, name)).catch(() => undefined)
      if (!info?.isFile()) continue
      found.push({ name, size: info.size, created_at: parsed.createdAt, sequence: parsed.sequence })
    }
    found.sort((a, b) => (a.created_at === b.created_at ? b.sequence - a.sequence : a.created_at < b.created_at ? 1 : -1))
    return found.map(({ sequence: _, ...info }) => info)
  }

  /** Deletes all but the newest `keep`; returns the names removed. */
  async function prune(): Promise<string[]> {
    const stale = (await list()).slice(keep).map((snapshot) => snapshot.name)
    await Promise.all(stale.map((name) => rm(join(folder, name), { force: true })))
    return stale
  }

  /**
   * Writes the summary to a temp file, then renames it into place: a reader (or a crash) never
   * sees half a snapshot, and temp names don't match the pattern, so they are never served.
   */
  async function write(summary: Summary, at: Date): Promise<SnapshotInfo> {
    await mkdir(folder, { recursive: true })
    const name = reserveName(at)
    const temp = join(folder, `.${name}.${Bun.randomUUIDv7()}.tmp`)
    try {
      const document: SnapshotDocument = { name, created_at: at.toISOString(), summary }
      const size = await Bun.write(temp, JSON.stringify(document))
      await rename(temp, join(folder, name))
      await prune()
      return { name, size, created_at: document.created_at }
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    } finally {
      reserved.delete(name)
    }
  }

  /** The file of a stored snapshot; 404 for any name that isn't one. */
  async function file(name: string) {
    if (!parseName(name)) throw new NotFoundError('No such snapshot.')
    const path = join(folder, name)
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile()) throw new NotFoundError('No such snapshot.')
    return Bun.file(path)
  }

  return { list, prune, write, file, folder }
}

export type SnapshotStore = ReturnType<typeof createSnapshotStore>
