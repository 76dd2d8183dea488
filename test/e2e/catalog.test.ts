import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { IMAGES } from '../modules/catalog/fixtures.ts'
import { onPostgres } from '../postgres.ts'
import { folderFiles, folderQuery, folderRow } from './folder-database.ts'
import { emptyFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const SECRET = 'e2e-secret-that-is-at-least-32-bytes-long'
const env = { JWT_SECRET: SECRET }

/** An access token for the seeded administrator, signed as the service signs them. */
async function adminToken(dir: string) {
  const admin = (await folderRow<{ id: string; token_version: number }>(dir, "SELECT id, token_version FROM users WHERE email = 'admin@kiosk.local'"))!
  return new SignJWT({ role: 'admin', ver: admin.token_version })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(admin.id)
    .setJti(Bun.randomUUIDv7())
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(SECRET))
}

describe('the catalog on the executable', () => {
  const dir = emptyFolder()
  let kiosk: RunningKiosk
  let token: string
  const orphan = `${Bun.randomUUIDv7()}.png`
  // PostgreSQL: replicas share the files, so an orphan younger than SHARED_ORPHAN_AGE_MS (an upload
  // another process is finishing) is kept; this one is.
  const recentOrphan = `${Bun.randomUUIDv7()}.png`
  let seedOutput = ''

  beforeAll(async () => {
    const seeded = await runKiosk(['seed', '--demo', '--products', '30', '--users', '3', '--orders', '20', '--password', 'e2e-password'], { dir, env })
    expect(seeded.code).toBe(0)
    seedOutput = seeded.stdout
    token = await adminToken(dir)
    // What a crash between writing an upload and recording it leaves behind: on PostgreSQL a row of
    // `files` no product points at (a put there is one statement: never half a file).
    if (onPostgres) {
      const insert = "INSERT INTO files (key, content_type, content, size, created_at) VALUES (?, 'image/png', ?, ?, ?)"
      await folderQuery(dir, insert, [`images/${orphan}`, IMAGES.png, IMAGES.png.byteLength, new Date(Date.now() - 3_600_000).toISOString()])
      await folderQuery(dir, insert, [`images/${recentOrphan}`, IMAGES.png, IMAGES.png.byteLength, new Date().toISOString()])
    } else {
      mkdirSync(join(dir, 'data', 'images'), { recursive: true })
      writeFileSync(join(dir, 'data', 'images', orphan), IMAGES.png)
      writeFileSync(join(dir, 'data', 'images', `.upload-${orphan}`), 'half')
    }
    kiosk = await startKiosk({ dir, env })
  })
  afterAll(async () => {
    if (kiosk?.process.exitCode === null) await kiosk.stop()
  })

  test('kiosk seed prints plain progress lines when not on a terminal', () => {
    expect(seedOutput).toContain('products: 30 inserted')
    expect(seedOutput).toContain('admin@kiosk.local, password: e2e-password')
    expect(seedOutput).not.toContain('\r')
  })

  test('start-up removed the orphaned image and the interrupted upload', async () => {
    const names = (await folderFiles(dir, 'images')).map((file) => file.name)
    expect(names).not.toContain(orphan)
    expect(names).not.toContain(`.upload-${orphan}`)
    if (onPostgres) expect(names).toContain(recentOrphan)
  })

  test('lists the seeded catalog and serves a product with an ETag and 304', async () => {
    const list = (await (await fetch(`${kiosk.url}/products?limit=5&sort=price`)).json()) as { items: { id: string }[]; next_cursor: string }
    expect(list.items).toHaveLength(5)
    expect(list.next_cursor).toBeString()
    const product = await fetch(`${kiosk.url}/products/${list.items[0]!.id}`)
    expect(product.status).toBe(200)
    const etag = product.headers.get('etag')!
    expect((await fetch(`${kiosk.url}/products/${list.items[0]!.id}`, { headers: { 'if-none-match': etag } })).status).toBe(304)
  })

  test('uploads an image and serves the same bytes back', async () => {
    const list = (await (await fetch(`${kiosk.url}/products?limit=1`)).json()) as { items: { id: string }[] }
    const id = list.items[0]!.id
    const form = new FormData()
    form.append('file', new Blob([IMAGES.webp]), 'photo.webp')
    const upload = await fetch(`${kiosk.url}/products/${id}/image`, { method: 'PUT', body: form, headers: { authorization: `Bearer ${token}` } })
    expect(upload.status).toBe(200)
    expect(((await upload.json()) as { image_url: string }).image_url).toBe(`/products/${id}/image`)

    const image = await fetch(`${kiosk.url}/products/${id}/image`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/webp')
    expect(image.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await image.arrayBuffer()).equals(IMAGES.webp)).toBe(true)
    const webp = (await folderFiles(dir, 'images')).filter((file) => file.name.endsWith('.webp'))
    expect(webp).toHaveLength(1)
    expect(webp[0]!.bytes.equals(IMAGES.webp)).toBe(true)
    // On PostgreSQL nothing lands on the local disk.
    if (onPostgres) expect(existsSync(join(dir, 'data', 'images'))).toBe(false)
  })

  test('refuses an SVG upload (415) and an oversized one (413) over the wire', async () => {
    const list = (await (await fetch(`${kiosk.url}/products?limit=1`)).json()) as { items: { id: string }[] }
    const url = `${kiosk.url}/products/${list.items[0]!.id}/image`
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'image/svg+xml' }
    const svg = await fetch(url, { method: 'PUT', body: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', headers })
    expect(svg.status).toBe(415)
    expect(svg.headers.get('content-type')).toStartWith('application/problem+json')
    const big = await fetch(url, { method: 'PUT', body: new Uint8Array(5 * 1024 * 1024 + 1), headers })
    expect(big.status).toBe(413)
  })

  test('drains and exits 0 on SIGTERM', async () => {
    expect(await kiosk.stop('SIGTERM')).toBe(0)
  })
})
