import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { detectImageType, imagePixels } from '../../../src/modules/catalog/image-type.ts'
import { createTestApp, createUser, expectProblem, json } from '../../helpers.ts'
import { createProduct, IMAGES } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Images whose header declares more than IMAGE_MAX_PIXELS (width × height) are refused with 422.
const t = await createTestApp({ IMAGE_MAX_PIXELS: '40000000' })
let admin: Awaited<ReturnType<typeof createUser>>
beforeAll(async () => {
  admin = await createUser(t, { role: 'admin' })
})
afterAll(() => t.close())

/** The fixture PNG with its IHDR saying width × height (CRC recomputed, so it stays a valid PNG). */
function pngSized(width: number, height: number) {
  const png = Buffer.from(IMAGES.png)
  png.writeUInt32BE(width, 16)
  png.writeUInt32BE(height, 20)
  png.writeUInt32BE(Bun.hash.crc32(png.subarray(12, 29)), 29)
  return png
}
function gifSized(width: number, height: number) {
  const gif = Buffer.from(IMAGES.gif)
  gif.writeUInt16LE(width, 6)
  gif.writeUInt16LE(height, 8)
  return gif
}
function jpegSized(width: number, height: number) {
  const jpeg = Buffer.from(IMAGES.jpeg)
  const sof = jpeg.indexOf(Buffer.from('ffc0', 'hex'))
  jpeg.writeUInt16BE(height, sof + 5)
  jpeg.writeUInt16BE(width, sof + 7)
  return jpeg
}
/** The fixture lossless WebP (VP8L) with its 14-bit width and height fields set. */
function webpSized(width: number, height: number) {
  const webp = Buffer.from(IMAGES.webp)
  const bits = webp.readUInt32LE(21) & ~0x0fffffff
  webp.writeUInt32LE((bits | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14)) >>> 0, 21)
  return webp
}

const put = (id: string, bytes: Uint8Array) => t.request(`/products/${id}/image`, { method: 'PUT', token: admin.token, headers: { 'content-type': 'application/octet-stream' }, body: bytes })

describe('image pixel cap', () => {
  test('reads width × height from each format\'s header', () => {
    expect(imagePixels(pngSized(100_000, 100_000), 'image/png')).toBe(10_000_000_000)
    expect(imagePixels(gifSized(65_535, 65_535), 'image/gif')).toBe(65_535 * 65_535)
    expect(imagePixels(jpegSized(65_000, 1_000), 'image/jpeg')).toBe(65_000_000)
    expect(imagePixels(webpSized(16_384, 16_384), 'image/webp')).toBe(16_384 * 16_384)
    expect(imagePixels(IMAGES.png, 'image/png')).toBe(1)
    expect(imagePixels(IMAGES.jpeg, 'image/jpeg')).toBe(1)
    expect(imagePixels(IMAGES.webp, 'image/webp')).toBe(1)
    expect(imagePixels(IMAGES.gif, 'image/gif')).toBe(1)
  })

  for (const [kind, bytes] of [
    ['a 69-byte PNG declaring 100000×100000', pngSized(100_000, 100_000)],
    ['a GIF declaring 65535×65535', gifSized(65_535, 65_535)],
    ['a JPEG declaring 65000×1000', jpegSized(65_000, 1_000)],
    ['a WebP declaring 16384×16384', webpSized(16_384, 16_384)],
  ] as const) {
    test(`${kind} is a 422 problem and stores nothing`, async () => {
      expect(detectImageType(bytes)).not.toBeNull()
      const product = await createProduct(t, admin.token)
      const problem = await expectProblem(await put(product.id, bytes), 422)
      expect(problem.detail).toBe('The image is larger than 40000000 pixels.')
      expect((await json(await t.request(`/products/${product.id}`))).image_url).toBeNull()
    })
  }

  test('exactly the cap is accepted', async () => {
    const product = await createProduct(t, admin.token)
    expect((await put(product.id, pngSized(8000, 5000))).status).toBe(200)
  })
})
