import type { FileStore } from '../../db/files.ts'
import { NotFoundError } from '../../lib/errors.ts'
import type { SnapshotDocument, SnapshotInfo, Summary } from './model.ts'

/**
 * Report snapshots: JSON files in the FileStore's `reports/` folder (DATA_DIR/reports, or rows of
 * `files` on PostgreSQL), named only by this pattern. The pattern is the whole access check: a
 * requested name that doesn't match it (`..`, slashes, encoded or not, absolute paths, anything
 * else) never becomes a key, so nothing outside the folder can be named. `-N` tells apart
 * snapshots taken in the same millisecond.
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

/** Where snapshots live in the FileStore (exported for the start-up sweep of interrupted writes). */
export const SNAPSHOT_FOLDER = 'reports/'
const FOLDER = SNAPSHOT_FOLDER
const keyOf = (name: string) => `${FOLDER}${name}`
const encoder = new TextEncoder()

export function createSnapshotStore(files: FileStore, keep: number) {
  // Names being written now, so two snapshots in the same millisecond never pick the same name.
  const reserved = new Set<string>()

  /** The first free name for `at`: reserved before it is looked up, so no other write can take it meanwhile. */
  async function reserveName(at: Date): Promise<string> {
    for (let sequence = 0; ; sequence++) {
      const name = snapshotName(at, sequence)
      if (reserved.has(name)) continue
      reserved.add(name)
      if (!(await files.stat(keyOf(name)))) return name
      reserved.delete(name)
    }
  }

  async function list(): Promise<SnapshotInfo[]> {
    const found: (SnapshotInfo & { sequence: number })[] = []
    for (const file of await files.list(FOLDER)) {
      const name = file.key.slice(FOLDER.length)
      const parsed = parseName(name)
      if (!parsed) continue
      found.push({ name, size: file.size, created_at: parsed.createdAt, sequence: parsed.sequence })
    }
    found.sort((a, b) => (a.created_at === b.created_at ? b.sequence - a.sequence : a.created_at < b.created_at ? 1 : -1))
    return found.map(({ sequence: _, ...info }) => info)
  }

  /** Deletes all but the newest `keep`; returns the names removed. */
  async function prune(): Promise<string[]> {
    const stale = (await list()).slice(keep).map((snapshot) => snapshot.name)
    await Promise.all(stale.map((name) => files.delete(keyOf(name))))
    return stale
  }

  /** Stores the summary; the FileStore's put is atomic, so a reader (or a crash) never sees half a snapshot. */
  async function write(summary: Summary, at: Date): Promise<SnapshotInfo> {
    const name = await reserveName(at)
    try {
      const document: SnapshotDocument = { name, created_at: at.toISOString(), summary }
      const size = await files.put(keyOf(name), encoder.encode(JSON.stringify(document)), 'application/json')
      await prune()
      return { name, size, created_at: document.created_at }
    } finally {
      reserved.delete(name)
    }
  }

  /** The bytes of a stored snapshot; 404 for any name that isn't one. */
  async function file(name: string): Promise<Blob> {
    if (!parseName(name)) throw new NotFoundError('No such snapshot.')
    const stored = await files.get(keyOf(name))
    if (!stored) throw new NotFoundError('No such snapshot.')
    return stored.body
  }

  return { list, prune, write, file }
}

export type SnapshotStore = ReturnType<typeof createSnapshotStore>
