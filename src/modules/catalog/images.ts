import type { AppContext } from '../../context.ts'
import type { FileStore } from '../../db/files.ts'
import { NotFoundError, UnsupportedMediaTypeError, ValidationFailedError } from '../../lib/errors.ts'
import { detectImageType, IMAGE_TYPES, imagePixels } from './image-type.ts'
import { toProductJson, type CachedProduct } from './product.ts'
import type { Catalog } from './service.ts'
import type { CatalogStore } from './store/index.ts'

/*
 * Product images in the FileStore's `images/` folder: files under $DATA_DIR/images, or rows of
 * `files` on PostgreSQL (every replica serves them). Names are generated (UUIDv7 + the type's
 * extension), never taken from a client. The row and the file never disagree after a crash: the
 * file is stored whole (the FileStore's put is atomic) before the row points at it; the old file
 * is removed only after the row changed. What a crash can leave behind (a temp file, a file no
 * row points at) is removed by sweepOrphanImages at start-up.
 */

const FOLDER = 'images/'
/** The only names this module ever writes (and so ever reads back). */
const IMAGE_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|webp|gif)$/

/** The FileStore key of an image name (a product row's image_key); null for anything that is not a name this module made. */
export function imageFileKey(name: string): string | null {
  return IMAGE_FILE.test(name) ? `${FOLDER}${name}` : null
}

async function removeFile(files: FileStore, name: string | null) {
  const key = name ? imageFileKey(name) : null
  if (key) await files.delete(key)
}

export function createProductImages(ctx: Pick<AppContext, 'config' | 'clock' | 'logger'>, catalog: Catalog, files: FileStore) {
  const { clock, logger } = ctx
  /** Points the row at a new image (or none); returns the key it pointed at before, or undefined when the product is gone. */
  const swap = (id: string, image: { key: string; type: string } | null, now: string) => catalog.setImage(id, image, now)

  /** Stores the bytes as the product's image. 415 unless they are a PNG, JPEG, WebP or GIF; 404 for an unknown product. */
  async function put(id: string, bytes: Uint8Array) {
    await catalog.requireRow(id)
    const type = detectImageType(bytes)
    if (!type) throw new UnsupportedMediaTypeError('The image must be a PNG, JPEG, WebP or GIF file.')
    // A small file can declare a huge canvas (a decompression bomb for whoever decodes it).
    const pixels = imagePixels(bytes, type)
    if (pixels !== null && pixels > ctx.config.IMAGE_MAX_PIXELS) {
      throw new ValidationFailedError(`The image is larger than ${ctx.config.IMAGE_MAX_PIXELS} pixels.`, [
        { path: '/', message: `${pixels} pixels, more than ${ctx.config.IMAGE_MAX_PIXELS}`, in: 'body' },
      ])
    }
    const key = `${Bun.randomUUIDv7()}.${IMAGE_TYPES[type]}`
    await files.put(imageFileKey(key)!, bytes, type)
    const swapped = await swap(id, { key, type }, clock.now().toISOString())
    if (!swapped) {
      // Deleted while the file was being written: nothing refers to the new file.
      await removeFile(files, key)
      throw new NotFoundError('No such product.')
    }
    catalog.invalidate(id)
    await removeFile(files, swapped.previous).catch((error) => logger.warn({ err: error }, 'old product image not removed'))
    return toProductJson(swapped.row)
  }

  /** Removes the product's image. 404 when the product is unknown or has none. */
  async function remove(id: string) {
    const swapped = await swap(id, null, clock.now().toISOString())
    if (!swapped) throw new NotFoundError('No such product.')
    if (!swapped.previous) throw new NotFoundError('The product has no image.')
    catalog.invalidate(id)
    await removeFile(files, swapped.previous).catch((error) => logger.warn({ err: error }, 'product image not removed'))
  }

  /** The stored file of a product entry, or undefined when it has none (or the file is gone). */
  async function file(entry: CachedProduct) {
    const key = entry.image ? imageFileKey(entry.image.key) : null
    if (!key || !entry.image) return undefined
    const stored = await files.get(key)
    if (!stored) return undefined
    const blob = stored.body
    // A key names one upload's bytes forever, so it is a strong validator by itself.
    return { blob, type: entry.image.type, etag: `"${entry.image.key.replace(/\..*$/, '')}"` }
  }

  return { put, remove, file, removeFile: (key: string | null) => removeFile(files, key) }
}

export type ProductImages = ReturnType<typeof createProductImages>

/**
 * How old a file nothing points at must be before the sweep removes it where other processes
 * upload too (PostgreSQL's replicas): an upload stores its file a moment before its row points
 * at it, and a replica starting meanwhile must not take that file away.
 */
export const SHARED_ORPHAN_AGE_MS = 10 * 60_000

/**
 * Removes image files no product row refers to, and temp files of uploads a crash interrupted.
 * Run at start-up, before the server accepts uploads (an upload in flight has a file its row
 * does not point at yet; where the files are shared, one younger than SHARED_ORPHAN_AGE_MS is
 * kept for that reason). Returns how many files were removed.
 */
export async function sweepOrphanImages(ctx: Pick<AppContext, 'clock' | 'logger'>, store: CatalogStore, files: FileStore): Promise<number> {
  let removed = await files.sweepPartial(FOLDER)
  const stored = await files.list(FOLDER)
  if (stored.length) {
    const referenced = await store.referencedImageKeys()
    const settled = ctx.clock.now().getTime() - SHARED_ORPHAN_AGE_MS
    for (const file of stored) {
      const name = file.key.slice(FOLDER.length)
      if (!IMAGE_FILE.test(name) || referenced.has(name)) continue
      if (files.shared && Date.parse(file.createdAt) > settled) continue
      await files.delete(file.key)
      removed++
    }
  }
  if (removed) ctx.logger.info({ removed, folder: FOLDER }, 'removed orphaned product image files')
  return removed
}
