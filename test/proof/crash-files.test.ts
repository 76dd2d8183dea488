import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { seedDataFolder } from '../e2e/data-folder.ts'
import { folderFiles } from '../e2e/folder-database.ts'
import { startKiosk } from '../e2e/harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/*
 * kill -9 while files are being written: an image upload streaming in, and report snapshots being
 * written. After a restart no half file is served: every image a product points at is complete,
 * every listed snapshot parses, and no temp file is left to be mistaken for data. On PostgreSQL
 * the files are rows of `files` (src/db/pg/files.ts), checked whole the same way.
 */

const CYCLES = Number(process.env.CRASH_CYCLES ?? 5)
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

describe('kill -9 during file writes', () => {
  test(`${CYCLES} cycles of uploads and snapshots cut off mid-write leave only whole files`, async () => {
    const seeded = await seedDataFolder({ users: [{ role: 'admin' }], products: [{ sku: 'PIC', stock: 1 }] })
    const admin = seeded.users[0]!
    const product = seeded.products[0]!
    const auth = { authorization: `Bearer ${admin.token}` }

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
      // A slow upload: the head of a PNG, then the process dies before the rest arrives.
      const slowBody = new ReadableStream({
        async start(controller) {
          controller.enqueue(PNG.subarray(0, 20))
          await new Promise((resolve) => setTimeout(resolve, 2000))
          controller.enqueue(PNG.subarray(20))
          controller.close()
        },
      })
      const upload = fetch(`${kiosk.url}/products/${product.id}/image`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'image/png' },
        body: slowBody,
        duplex: 'half',
      } as RequestInit).catch(() => undefined)
      // Complete uploads and snapshots in between, so there are real files to protect.
      if (cycle % 2 === 0) {
        const whole = await fetch(`${kiosk.url}/products/${product.id}/image`, { method: 'PUT', headers: { ...auth, 'content-type': 'image/png' }, body: PNG })
        expect(whole.status).toBe(200)
      }
      const snapshots = Array.from({ length: 3 }, () =>
        fetch(`${kiosk.url}/admin/reports/snapshots`, { method: 'POST', headers: auth }).catch(() => undefined),
      )
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150))
      kiosk.process.kill('SIGKILL')
      await kiosk.process.exited
      await Promise.all([upload, ...snapshots])
    }

    const kiosk = await startKiosk({ dir: seeded.dir, env: seeded.env })
    const image = await fetch(`${kiosk.url}/products/${product.id}/image`)
    if (image.status === 200) expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true)
    else expect(image.status).toBe(404)
    const list = (await (await fetch(`${kiosk.url}/admin/reports/snapshots`, { headers: auth })).json()) as { items: { name: string }[] }
    for (const { name } of list.items) {
      const snapshot = await fetch(`${kiosk.url}/admin/reports/snapshots/${name}`, { headers: auth })
      expect(snapshot.status).toBe(200)
      const body = JSON.parse(await snapshot.text()) as { summary?: unknown }
      expect(body.summary).toBeDefined()
    }
    expect(await kiosk.stop()).toBe(0)
    // Start-up swept what the killed uploads left behind; what is stored is whole.
    const images = await folderFiles(seeded.dir, 'images')
    expect(images.map((file) => file.name).filter((name) => !/^[0-9a-f-]{36}\.(png|jpg|webp|gif)$/.test(name))).toEqual([])
    expect(images.length).toBeLessThanOrEqual(1)
    for (const file of images) expect(file.bytes.equals(PNG)).toBe(true)
    const reports = await folderFiles(seeded.dir, 'reports')
    expect(reports.map((file) => file.name).sort()).toEqual(list.items.map((item) => item.name).sort())
    for (const file of reports) expect((JSON.parse(file.bytes.toString('utf8')) as { summary?: unknown }).summary).toBeDefined()
  }, 180_000)
})
