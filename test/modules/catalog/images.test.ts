import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { SHARED_ORPHAN_AGE_MS, sweepOrphanImages } from '../../../src/modules/catalog/images.ts'
import { detectImageType } from '../../../src/modules/catalog/image-type.ts'
import { createTestApp, createUser, expectProblem, json, onPostgres, type TestApp } from '../../helpers.ts'
import { catalogApp, createProduct, IMAGES } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const MAX = 4096
const { t, admin, customer } = await catalogApp({ IMAGE_MAX_BYTES: `${MAX}` })

/**
 * The stored image files, looked at under the API: the names in DATA_DIR/images on SQLite (temp
 * files included), the keys under "images/" of the `files` table on PostgreSQL.
 */
async function storedFiles(app: TestApp = t): Promise<string[]> {
  if (onPostgres) {
    const rows = await app.sql<{ key: string }>(sql`SELECT key FROM files WHERE key LIKE 'images/%' ORDER BY key`)
    return rows.map((row) => row.key.slice('images/'.length))
  }
  const dir = join(app.dir, 'images')
  return existsSync(dir) ? readdirSync(dir).sort() : []
}
const imageKey = async (id: string) =>
  (await t.sql<{ image_key: string | null }>(sql`SELECT image_key FROM products WHERE id = ${id}`))[0]?.image_key

const put = (id: string, body: RequestInit["body"], headers: Record<string, string> = {}, token: string | null = admin.token) =>
  t.request(`/products/${id}/image`, { method: 'PUT', body, headers, token: token ?? undefined })

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Uint8Array) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  Buffer.from(data).copy(out, 8)
  out.writeUInt32BE(Bun.hash.crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}
/** The fixture PNG with an extra chunk before IEND (still a valid PNG). */
const pngWith = (type: string, data: string) => Buffer.concat([IMAGES.png.subarray(0, -12), pngChunk(type, Buffer.from(data)), IMAGES.png.subarray(-12)])

/** A valid PNG of about `size` bytes (a private ancillary chunk pads it). */
const pngOfSize = (size: number) => pngWith('prVt', 'x'.repeat(size - IMAGES.png.length - 12))

describe('PUT /products/{id}/image', () => {
  for (const [kind, bytes, type] of [
    ['png', IMAGES.png, 'image/png'],
    ['jpeg', IMAGES.jpeg, 'image/jpeg'],
    ['gif', IMAGES.gif, 'image/gif'],
    ['webp', IMAGES.webp, 'image/webp'],
  ] as const) {
    test(`stores a raw ${kind} body and serves it back with its type`, async () => {
      const product = await createProduct(t, admin.token)
      const response = await put(product.id, bytes, { 'content-type': 'application/octet-stream' })
      expect(response.status).toBe(200)
      const body = await json(response)
      expect(body.image_url).toBe(`/products/${product.id}/image`)
      expect(body.updated_at).toBe(t.clock.now().toISOString())
      const key = (await imageKey(product.id))!
      expect(key).toMatch(new RegExp(`^[0-9a-f-]{36}\\.${kind === 'jpeg' ? 'jpg' : kind}$`))
      expect(await storedFiles()).toContain(key)

      const image = await t.request(body.image_url)
      expect(image.status).toBe(200)
      expect(image.headers.get('content-type')).toBe(type)
      expect(image.headers.get('x-content-type-options')).toBe('nosniff')
      expect(image.headers.get('cache-control')).toBe('no-cache')
      expect(image.headers.get('etag')).toMatch(/^"[0-9a-f-]{36}"$/)
      expect(Buffer.from(await image.arrayBuffer()).equals(bytes)).toBe(true)
    })
  }

  test('takes the file field of a multipart form', async () => {
    const product = await createProduct(t, admin.token)
    const form = new FormData()
    form.append('note', 'ignored')
    form.append('file', new Blob([IMAGES.jpeg], { type: 'text/html' }), '../../evil.html')
    const response = await put(product.id, form)
    expect(response.status).toBe(200)
    expect(await imageKey(product.id)).toMatch(/\.jpg$/)
    const image = await t.request(`/products/${product.id}/image`)
    expect(image.headers.get('content-type')).toBe('image/jpeg')
  })

  test('judges the bytes, not the Content-Type header', async () => {
    const product = await createProduct(t, admin.token)
    expect((await put(product.id, IMAGES.gif, { 'content-type': 'text/html' })).status).toBe(200)
    expect((await t.request(`/products/${product.id}/image`)).headers.get('content-type')).toBe('image/gif')
    await expectProblem(await put(product.id, '<svg xmlns="http://www.w3.org/2000/svg"/>', { 'content-type': 'image/png' }), 415)
  })

  const refused: [string, Uint8Array | string][] = [
    ['an empty body', new Uint8Array(0)],
    ['plain text', 'just some text'],
    ['HTML', '<!doctype html><html><script>alert(1)</script></html>'],
    ['SVG', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'],
    ['SVG behind an XML declaration', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['a PDF', '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF'],
    ['a BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
    ['a PNG signature followed by HTML', Buffer.concat([IMAGES.png.subarray(0, 8), Buffer.from('<html><script>alert(1)</script></html>')])],
    ['a PNG with a page appended after IEND', Buffer.concat([IMAGES.png, Buffer.from('<html><script>alert(1)</script>')])],
    ['a PNG with a script in a text chunk', pngWith('tEXt', 'Comment\u0000<script>alert(1)</script>')],
    ['a PNG with SVG in a text chunk', pngWith('tEXt', 'Comment\u0000<SVG onload=alert(1)>')],
    ['a PNG with a bad chunk CRC', Buffer.concat([IMAGES.png.subarray(0, 30), Buffer.from([IMAGES.png[30]! ^ 0xff]), IMAGES.png.subarray(31)])],
    ['a truncated PNG', IMAGES.png.subarray(0, 40)],
    ['a GIF/JavaScript polyglot', Buffer.concat([Buffer.from('GIF89a/*'), Buffer.alloc(20), Buffer.from('*/=1;alert(document.domain);')])],
    ['a GIF with trailing bytes', Buffer.concat([IMAGES.gif, Buffer.from('alert(1)')])],
    ['a JPEG with a page after EOI', Buffer.concat([IMAGES.jpeg, Buffer.from('<html></html>')])],
    ['a JPEG header alone', Buffer.from([0xff, 0xd8, 0xff, 0xe0])],
    ['a WebP whose RIFF size lies', Buffer.concat([IMAGES.webp, Buffer.from('<script>')])],
    ['a RIFF WAVE file', Buffer.concat([Buffer.from('RIFF'), Buffer.from([28, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.alloc(20)])],
  ]
  for (const [what, bytes] of refused) {
    test(`is 415 for ${what}, and stores nothing`, async () => {
      const product = await createProduct(t, admin.token)
      const before = await storedFiles()
      await expectProblem(await put(product.id, bytes, { 'content-type': 'image/png' }), 415)
      expect(await imageKey(product.id)).toBeNull()
      expect(await storedFiles()).toEqual(before)
    })
  }

  test('accepts an image of exactly IMAGE_MAX_BYTES, raw or in a form', async () => {
    const product = await createProduct(t, admin.token)
    const exact = pngOfSize(MAX)
    expect(exact.length).toBe(MAX)
    expect((await put(product.id, exact)).status).toBe(200)
    const form = new FormData()
    form.append('file', new Blob([exact]), 'x.png')
    expect((await put(product.id, form)).status).toBe(200)
  })

  const oversized = pngOfSize(MAX + 1)
  const cases: [string, () => Promise<Response>][] = [
    ['with its Content-Length', () => put(current, oversized, { 'content-length': String(oversized.length) })],
    [
      'streamed without a Content-Length',
      () =>
        t.app.handle(
          new Request(`http://kiosk.test/products/${current}/image`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${admin.token}` },
            body: new ReadableStream({
              start(controller) {
                for (let i = 0; i < oversized.length; i += 1000) controller.enqueue(oversized.subarray(i, i + 1000))
                controller.close()
              },
            }),
          }),
        ),
    ],
    [
      'in a multipart form',
      () => {
        const form = new FormData()
        form.append('file', new Blob([oversized]), 'big.png')
        return put(current, form)
      },
    ],
    ['with a Content-Length far beyond the limit', () => put(current, 'x', { 'content-length': String(100 * 1024 * 1024) })],
  ]
  let current = ''
  for (const [how, send] of cases) {
    test(`is 413 for an image one byte over IMAGE_MAX_BYTES ${how}, and writes nothing`, async () => {
      const product = await createProduct(t, admin.token)
      current = product.id
      expect((await put(product.id, IMAGES.png)).status).toBe(200)
      const before = await storedFiles()
      const keyBefore = await imageKey(product.id)
      await expectProblem(await send(), 413)
      expect(await storedFiles()).toEqual(before)
      expect(await imageKey(product.id)).toBe(keyBefore)
    })
  }

  test('is 422 for a form without a file field and 400 for a malformed form', async () => {
    const product = await createProduct(t, admin.token)
    const form = new FormData()
    form.append('image', 'not a file')
    await expectProblem(await put(product.id, form), 422)
    await expectProblem(await put(product.id, '--nope\r\n', { 'content-type': 'multipart/form-data; boundary=abc' }), 400)
  })

  test('replaces the previous image and removes its file', async () => {
    const product = await createProduct(t, admin.token)
    await put(product.id, IMAGES.png)
    const first = (await imageKey(product.id))!
    await put(product.id, IMAGES.gif)
    const second = (await imageKey(product.id))!
    expect(second).not.toBe(first)
    expect(await storedFiles()).toContain(second)
    expect(await storedFiles()).not.toContain(first)
  })

  test('is 404 for an unknown or path-like product id, and writes nothing', async () => {
    const before = await storedFiles()
    for (const id of [Bun.randomUUIDv7(), '..%2F..%2Fetc', '..', '.upload-x']) {
      await expectProblem(await put(id, IMAGES.png), 404)
    }
    expect(await storedFiles()).toEqual(before)
  })

  test('is 401 anonymous and 403 for a user, and writes nothing', async () => {
    const product = await createProduct(t, admin.token)
    const before = await storedFiles()
    await expectProblem(await put(product.id, IMAGES.png, {}, null), 401)
    await expectProblem(await put(product.id, IMAGES.png, {}, customer.token), 403)
    expect(await storedFiles()).toEqual(before)
    expect(await imageKey(product.id)).toBeNull()
  })

  test('drops the cached product so image_url shows at once', async () => {
    const product = await createProduct(t, admin.token)
    expect((await json(await t.request(`/products/${product.id}`))).image_url).toBeNull()
    await put(product.id, IMAGES.png)
    expect((await json(await t.request(`/products/${product.id}`))).image_url).toBe(`/products/${product.id}/image`)
  })
})

describe('GET /products/{id}/image', () => {
  test('answers 304 to a matching If-None-Match', async () => {
    const product = await createProduct(t, admin.token)
    await put(product.id, IMAGES.webp)
    const etag = (await t.request(`/products/${product.id}/image`)).headers.get('etag')!
    const response = await t.request(`/products/${product.id}/image`, { headers: { 'if-none-match': etag } })
    expect(response.status).toBe(304)
    expect(await response.text()).toBe('')
  })

  test('is 404 when the product has no image, or is unknown', async () => {
    const product = await createProduct(t, admin.token)
    await expectProblem(await t.request(`/products/${product.id}/image`), 404)
    await expectProblem(await t.request(`/products/${Bun.randomUUIDv7()}/image`), 404)
    await expectProblem(await t.request('/products/..%2F..%2Fkiosk.db/image'), 404)
  })

  test("hides an inactive product's image from everyone but admins", async () => {
    const product = await createProduct(t, admin.token, { active: false })
    await put(product.id, IMAGES.png)
    await expectProblem(await t.request(`/products/${product.id}/image`), 404)
    await expectProblem(await t.request(`/products/${product.id}/image`, { token: customer.token }), 404)
    expect((await t.request(`/products/${product.id}/image`, { token: admin.token })).status).toBe(200)
  })
})

describe('DELETE /products/{id}/image', () => {
  test('removes the image: 204, file gone, image_url null, GET 404, a second DELETE 404', async () => {
    const product = await createProduct(t, admin.token)
    await put(product.id, IMAGES.png)
    const key = (await imageKey(product.id))!
    const response = await t.request(`/products/${product.id}/image`, { method: 'DELETE', token: admin.token })
    expect(response.status).toBe(204)
    expect(await storedFiles()).not.toContain(key)
    expect((await json(await t.request(`/products/${product.id}`))).image_url).toBeNull()
    await expectProblem(await t.request(`/products/${product.id}/image`), 404)
    await expectProblem(await t.request(`/products/${product.id}/image`, { method: 'DELETE', token: admin.token }), 404)
  })

  test('is 401 anonymous and 403 for a user, and keeps the image', async () => {
    const product = await createProduct(t, admin.token)
    await put(product.id, IMAGES.png)
    await expectProblem(await t.request(`/products/${product.id}/image`, { method: 'DELETE' }), 401)
    await expectProblem(await t.request(`/products/${product.id}/image`, { method: 'DELETE', token: customer.token }), 403)
    expect(await storedFiles()).toContain((await imageKey(product.id))!)
  })

  test('deleting a product removes its image file too', async () => {
    const product = await createProduct(t, admin.token)
    await put(product.id, IMAGES.png)
    const key = (await imageKey(product.id))!
    expect((await t.request(`/products/${product.id}`, { method: 'DELETE', token: admin.token })).status).toBe(204)
    expect(await storedFiles()).not.toContain(key)
  })
})

// Images live in the database's files table on PostgreSQL: a replica with its own DATA_DIR serves them.
describe.skipIf(!onPostgres)('images on PostgreSQL', () => {
  test('another process on the database serves, and removes, an image it did not store; no local file is written', async () => {
    const product = await createProduct(t, admin.token)
    expect((await put(product.id, IMAGES.gif)).status).toBe(200)
    const here = await t.request(`/products/${product.id}/image`)
    const replica = await createTestApp({ IMAGE_MAX_BYTES: `${MAX}` }, { databaseUrl: t.ctx.config.DATABASE_URL })
    try {
      const there = await replica.request(`/products/${product.id}/image`)
      expect(there.status).toBe(200)
      expect(there.headers.get('content-type')).toBe('image/gif')
      expect(there.headers.get('etag')).toBe(here.headers.get('etag'))
      expect(Buffer.from(await there.arrayBuffer()).equals(IMAGES.gif)).toBe(true)
      const [row] = await t.sql<{ content_type: string; size: number }>(
        sql`SELECT content_type, size FROM files WHERE key = ${`images/${await imageKey(product.id)}`}`,
      )
      expect(row).toEqual({ content_type: 'image/gif', size: IMAGES.gif.length })

      expect((await replica.request(`/products/${product.id}/image`, { method: 'DELETE', token: admin.token })).status).toBe(204)
      expect(await storedFiles()).not.toContain(await imageKey(product.id))
      await expectProblem(await t.request(`/products/${product.id}/image`), 404)
      expect(existsSync(join(t.dir, 'images'))).toBe(false)
      expect(existsSync(join(replica.dir, 'images'))).toBe(false)
    } finally {
      await replica.close()
    }
  })
})

describe('sweepOrphanImages', () => {
  const sweep = (app: TestApp) => sweepOrphanImages(app.ctx, app.services.stores.catalog, app.services.stores.files)

  // On disk: temp files and names are files in DATA_DIR/images.
  test.skipIf(onPostgres)('removes files no row refers to and interrupted uploads, and keeps the rest', async () => {
    const sweeper = await createTestApp()
    const sweeperAdmin = await createUser(sweeper, { role: 'admin' })
    const product = await createProduct(sweeper, sweeperAdmin.token)
    await sweeper.request(`/products/${product.id}/image`, { method: 'PUT', body: IMAGES.png, token: sweeperAdmin.token })
    const dir = join(sweeper.dir, 'images')
    const kept = readdirSync(dir)
    writeFileSync(join(dir, `${Bun.randomUUIDv7()}.png`), IMAGES.png) // written, then the process died before the row
    writeFileSync(join(dir, `.upload-${Bun.randomUUIDv7()}.gif`), 'half') // died while writing
    writeFileSync(join(dir, 'notes.txt'), 'not ours to judge')
    expect(await sweep(sweeper)).toBe(2)
    expect(readdirSync(dir).sort()).toEqual([...kept, 'notes.txt'].sort())
    expect((await sweeper.request(`/products/${product.id}/image`)).status).toBe(200)
    sweeper.close()
  })

  // In the files table every replica uploads: a file no row points at is an orphan once it is old enough.
  test.skipIf(!onPostgres)('removes rows of `files` no product refers to, and keeps the rest', async () => {
    const sweeper = await createTestApp()
    const sweeperAdmin = await createUser(sweeper, { role: 'admin' })
    const product = await createProduct(sweeper, sweeperAdmin.token)
    await sweeper.request(`/products/${product.id}/image`, { method: 'PUT', body: IMAGES.png, token: sweeperAdmin.token })
    const kept = await storedFiles(sweeper)
    const now = sweeper.clock.now().getTime()
    const insert = (name: string, age: number) =>
      sweeper.sql(sql`INSERT INTO files (key, content_type, content, size, created_at)
        VALUES (${`images/${name}`}, 'image/png', ${Buffer.from(IMAGES.png)}, ${IMAGES.png.length}, ${new Date(now - age).toISOString()})`)
    // Stored, then the process died before the row: two of them, long ago.
    await insert(`${Bun.randomUUIDv7()}.png`, SHARED_ORPHAN_AGE_MS + 1)
    await insert(`${Bun.randomUUIDv7()}.gif`, 24 * 3_600_000)
    // Stored a moment ago: another replica's upload whose row is about to point at it.
    const inFlight = `${Bun.randomUUIDv7()}.webp`
    await insert(inFlight, 1_000)
    await insert('notes.txt', 24 * 3_600_000)
    expect(await sweep(sweeper)).toBe(2)
    expect(await storedFiles(sweeper)).toEqual([...kept, inFlight, 'notes.txt'].sort())
    expect((await sweeper.request(`/products/${product.id}/image`)).status).toBe(200)
    sweeper.clock.advance(SHARED_ORPHAN_AGE_MS)
    expect(await sweep(sweeper)).toBe(1)
    expect(await storedFiles(sweeper)).toEqual([...kept, 'notes.txt'].sort())
    await sweeper.close()
  })

  test('is a no-op when there is no images folder', async () => {
    const empty = await createTestApp()
    expect(await sweep(empty)).toBe(0)
    if (!onPostgres) mkdirSync(join(empty.dir, 'images'))
    expect(await sweep(empty)).toBe(0)
    empty.close()
  })
})

describe('detectImageType', () => {
  test('knows the four accepted types by their bytes', () => {
    expect(detectImageType(IMAGES.png)).toBe('image/png')
    expect(detectImageType(IMAGES.jpeg)).toBe('image/jpeg')
    expect(detectImageType(IMAGES.gif)).toBe('image/gif')
    expect(detectImageType(IMAGES.webp)).toBe('image/webp')
    expect(detectImageType(new TextEncoder().encode('<svg/>'))).toBeNull()
  })
})
