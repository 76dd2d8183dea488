import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// Stored XSS through uploads, path traversal through file routes, formula injection through CSV.
const live = useLive()

// A complete 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')

describe('image uploads', () => {
  const put = (body: string | Buffer, type: string) =>
    live.call(`/products/${live.products[0]!.id}/image`, { method: 'PUT', token: live.admin.token, headers: { 'content-type': type }, body })

  test('an SVG with script is 415 whatever its declared type', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    await problem(await put(svg, 'image/png'), 415)
    await problem(await put(svg, 'image/svg+xml'), 415)
  })

  test('an HTML page is 415', async () => {
    await problem(await put('<!doctype html><script>alert(1)</script>', 'image/gif'), 415)
  })

  test('a GIF/HTML polyglot is refused: the whole file must be an image', async () => {
    const polyglot = Buffer.concat([Buffer.from('GIF89a'), Buffer.from('<html><script>alert(1)</script></html>')])
    await problem(await put(polyglot, 'image/gif'), 415)
  })

  test('a real PNG is stored and served back byte for byte', async () => {
    expect((await put(PNG, 'application/octet-stream')).status).toBeLessThan(300)
    const image = await live.call(`/products/${live.products[0]!.id}/image`)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(image.headers.get('x-content-type-options')).toBe('nosniff')
    expect(image.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true)
  })
})

describe('path traversal', () => {
  const attempts = ['..%2f..%2fdata%2fkiosk.db', '..%2F..%2F..%2Fetc%2Fpasswd', '%2e%2e%2f%2e%2e%2fkiosk.db', '....//....//kiosk.db', 'kiosk.db', '%00summary.json']

  for (const attempt of attempts) {
    test(`snapshot name ${attempt} is 404`, async () => {
      await problem(await live.call(`/admin/reports/snapshots/${attempt}`, { token: live.admin.token }), 404)
    })
    test(`product image id ${attempt} is 404`, async () => {
      await problem(await live.call(`/products/${attempt}/image`), 404)
    })
  }
})

describe('CSV export', () => {
  test('neutralises cells a spreadsheet would run as a formula', async () => {
    const created = await live.call('/products', {
      method: 'POST',
      token: live.admin.token,
      json: { sku: 'FORMULA-1', name: '=HYPERLINK("http://evil.example","click")', price_cents: 100, stock: 10 },
    })
    expect(created.status).toBe(201)
    const product = (await created.json()) as { id: string }
    const order = await live.call('/orders', { method: 'POST', token: live.alice.token, json: { items: [{ product_id: product.id, quantity: 1 }], note: '@SUM(A1:A9)' } })
    expect(order.status).toBe(201)
    const csv = await (await live.call('/admin/reports/orders.csv', { token: live.admin.token })).text()
    expect(csv).toContain('FORMULA-1')
    for (const cell of csv.split(/,|\r\n/)) {
      const value = cell.replace(/^"|"$/g, '')
      expect(/^[=+\-@\t\r]/.test(value) && !/^-?\d/.test(value)).toBe(false)
    }
  })
})
