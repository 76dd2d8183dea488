import { mkdirSync } from 'node:fs'
import { open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { AppContext } from '../../context.ts'
import { NotFoundError, UnsupportedMediaTypeError, ValidationFailedError } from '../../lib/errors.ts'
import { detectImageType, IMAGE_TYPES, imagePixels } from './image-type.ts'
import { toProductJson, type CachedProduct } from './product.ts'
import type { Catalog } from './service.ts'
import type { CatalogStore } from './store/index.ts'

/*
 * Product images on disk under $DATA_DIR/images. File names are generated (UUIDv7 + the type's
 * extension), never taken from a client. The row and the file never disagree after a crash:
 * the file is written to a temp name, flushed and renamed into place before the row points at
 * it; the old file is removed only after the row changed. What a crash can leave behind (a temp
 * file, a file no row points at) is removed by sweepOrphanImages at start-up.
 */

const TEMP_PREFIX = '.upload-'
/** The only names this module ever writes (and so ever reads back). */
const IMAGE_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(png|jpg|webp|gif)$/

export const imagesDir = (ctx: Pick<AppContext, 'config'>) => join(ctx.config.DATA_DIR, 'images')

/** The stored file of an image key; null for anything that is not a name this module made. */
export function imagePath(dir: string, key: string): string | null {
  return IMAGE_FILE.test(key) ? join(dir, key) : null
}

async function removeFile(dir: string, key: string | null) {
  const path = key ? imagePath(dir, key) : null
  if (path) await rm(path, { force: true })
}

export function createProductImages(ctx: Pick<AppContext, 'config' | 'clock' | 'logger'>, catalog: Catalog) {
  const { clock, logger } = ctx
  const dir = imagesDir(ctx)
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
    mkdirSync(dir, { recursive: true })
    const key = `${Bun.randomUUIDv7()}.${IMAGE_TYPES[type]}`
    const temp = join(dir, `${TEMP_PREFIX}${key}`)
    try {
      await Bun.write(temp, bytes)
      // Flushed before the rename, so the name never points at a half-written file after a power loss.
      const handle = await open(temp, 'r')
      await handle.sync().finally(() => handle.close())
      await rename(temp, join(dir, key))
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    const swapped = await swap(id, { key, type }, clock.now().toISOString())
    if (!swapped) {
      // Deleted while the file was being written: nothing refers to the new file.
      await removeFile(dir, key)
      throw new NotFoundError('No such product.')
    }
    catalog.invalidate(id)
    await removeFile(dir, swapped.previous).catch((error) => logger.warn({ err: error }, 'old product image not removed'))
    return toProductJson(swapped.row)
  }

  /** Removes the product's image. 404 when the product is unknown or has none. */
  async function remove(id: string) {
    const swapped = await swap(id, null, clock.now().toISOString())
    if (!swapped) throw new NotFoundError('No such product.')
    if (!swapped.previous) throw new NotFoundError('The product has no image.')
    catalog.invalidate(id)
    await removeFile(dir, swapped.previous).catch((error) => logger.warn({ err: error }, 'product image not removed'))
  }

  /** The stored file of a product entry, or undefined when it has none (or the file is gone). */
  async function file(entry: CachedProduct) {
    const path = entry.image ? imagePath(dir, entry.image.key) : null
    if (!path || !entry.image) return undefined
    const blob = Bun.file(path)
    if (!(await blob.exists())) return undefined
    // A key names one upload's bytes forever, so it is a strong validator by itself.
    return { blob, type: entry.image.type, etag: `"${entry.image.key.replace(/\..*$/, '')}"` }
  }

  return { put, remove, file, dir, removeFile: (key: string | null) => removeFile(dir, key) }
}

export type ProductImages = ReturnType<typeof createProductImages>

/**
 * Removes image files no product row refers to, and temp files of uploads a crash interrupted.
 * Run at start-up, before the server accepts uploads (an upload in flight has a file its row
 * does not point at yet). Returns how many files were removed.
 */
export async function sweepOrphanImages(ctx: Pick<AppContext, 'config' | 'logger'>, store: CatalogStore): Promise<number> {
  const dir = imagesDir(ctx)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  const referenced = await store.referencedImageKeys()
  let removed = 0
  for (const name of names) {
    const orphan = name.startsWith(TEMP_PREFIX) || (IMAGE_FILE.test(name) && !referenced.has(name))
    if (!orphan) continue
    await rm(join(dir, name), { force: true, recursive: false })
    removed++
  }
  if (removed) ctx.logger.info({ removed, dir }, 'removed orphaned product image files')
  return removed
}
