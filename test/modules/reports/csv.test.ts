import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { CSV_BATCH_ROWS, csvCell, ORDER_LINE_COLUMNS, ordersCsvStream } from '../../../src/modules/reports/csv.ts'
import { parseRange } from '../../../src/modules/reports/range.ts'
import { createTestApp, createUser, expectProblem } from '../../helpers.ts'
import { parseCsv } from './csv-parse.ts'
import { insertOrders, insertProduct, placeOrder, type OrderFixture } from './fixtures.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const NOW = '2026-05-20T10:00:00.000Z'
const t = await createTestApp()
afterAll(() => t.close())
t.clock.set(NOW)
const admin = await createUser(t, { role: 'admin' })
const buyer = await createUser(t, { email: 'buyer@example.com' })

const csv = (query = '') => t.request(`/admin/reports/orders.csv${query}`, { token: admin.token })

const records = async (response: Response) => {
  const rows = parseCsv(await response.text())
  const [header, ...data] = rows
  return { header: header!, rows: data.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i]!]))) }
}

describe('csvCell', () => {
  test('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=cmd')).toBe("'=cmd")
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('-1')).toBe("'-1")
    expect(csvCell('@SUM(A1:A2)')).toBe("'@SUM(A1:A2)")
    expect(csvCell('\tlead')).toBe("'\tlead")
    expect(csvCell('\rlead')).toBe(`"'\rlead"`)
    expect(csvCell('\uFF1D1')).toBe("'\uFF1D1")
    expect(csvCell('\uFE66x')).toBe("'\uFE66x")
    expect(csvCell('  -1')).toBe("'  -1")
    expect(csvCell('a=1')).toBe('a=1')
  })

  test('quotes cells with a quote, comma, CR or LF and leaves others bare', () => {
    expect(csvCell('plain text')).toBe('plain text')
    expect(csvCell('a "b"')).toBe('"a ""b"""')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('a\nb')).toBe('"a\nb"')
    expect(csvCell('a\rb')).toBe('"a\rb"')
    expect(csvCell(42)).toBe('42')
    expect(csvCell(null)).toBe('')
  })
})

// Orders placed through the service: the test sees what production writes.
const hostile = [
  '=HYPERLINK("http://evil.example","click")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\tTabbed',
  '\rCarriage',
  '\uFF1DHYPERLINK("http://evil.example")',
  '\uFE66cmd',
  '\uFF0B1',
  '\uFF0D1',
  '\uFF20SUM(A1)',
  ' =1+1',
  '\t =2',
  '\r\n@3',
  '\u3000\uFF1D4',
  'Comma, "quoted" and\r\nnew line',
  'Ünïcödé ☕ 🍩',
]
const products = await Promise.all(hostile.map((name, i) => insertProduct(t, { name, priceCents: 100 + i })))
const parties = { buyer, admin }
const inRange: OrderFixture[] = [
  await placeOrder(t, { ...parties, status: 'paid', createdAt: '2026-05-01T09:00:00.000Z', lines: products.slice(0, 4).map((product, i) => ({ product, quantity: i + 1 })) }),
  await placeOrder(t, { ...parties, status: 'cancelled', createdAt: '2026-05-02T09:00:00.000Z', lines: products.slice(4).map((product) => ({ product, quantity: 2 })) }),
]
await placeOrder(t, { ...parties, status: 'paid', createdAt: '2026-03-01T09:00:00.000Z', lines: [{ product: products[0]!, quantity: 1 }] })

describe('GET /admin/reports/orders.csv', () => {
  test('is an attachment of type text/csv, UTF-8', async () => {
    const response = await csv('?from=2026-05-01&to=2026-05-02')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="orders-2026-05-01-to-2026-05-02.csv"')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test('has a header row, then one row per order line of the range, oldest first, lines numbered from 1', async () => {
    const { header, rows } = await records(await csv('?from=2026-05-01&to=2026-05-02'))
    expect(header).toEqual([...ORDER_LINE_COLUMNS])
    const expected = inRange.flatMap((order) =>
      order.lines.map((line) => ({ order_id: order.id, line: String(line.position + 1), quantity: String(line.quantity), status: order.status })),
    )
    expect(rows.map((row) => ({ order_id: row.order_id, line: row.line, quantity: row.quantity, status: row.order_status }))).toEqual(expected)
    expect(rows[0]).toMatchObject({
      order_created_at: '2026-05-01T09:00:00.000Z',
      user_id: buyer.id,
      user_email: 'buyer@example.com',
      product_id: products[0]!.id,
      sku: products[0]!.sku,
      unit_price_cents: '100',
      line_total_cents: '100',
      order_total_cents: String(inRange[0]!.totalCents),
      currency: 'USD',
    })
  })

  test('ends every record with CRLF', async () => {
    const text = await (await csv('?from=2026-05-01&to=2026-05-02')).text()
    expect(text.endsWith('\r\n')).toBe(true)
    // Outside quoted fields there is no bare LF: each record boundary is CRLF.
    const outsideQuotes = text.replace(/"(?:[^"]|"")*"/g, '')
    expect(outsideQuotes.split('\r\n').every((part) => !part.includes('\n') && !part.includes('\r'))).toBe(true)
  })

  test('neutralises formula cells and keeps quotes, commas and new lines intact', async () => {
    const { rows } = await records(await csv('?from=2026-05-01&to=2026-05-02'))
    const names = rows.map((row) => row.product_name)
    expect(names).toEqual([
      `'=HYPERLINK("http://evil.example","click")`,
      "'+1+1",
      "'-2+3",
      "'@SUM(A1:A9)",
      "'\tTabbed",
      "'\rCarriage",
      `'\uFF1DHYPERLINK("http://evil.example")`,
      "'\uFE66cmd",
      "'\uFF0B1",
      "'\uFF0D1",
      "'\uFF20SUM(A1)",
      "' =1+1",
      "'\t =2",
      "'\r\n@3",
      "'\u3000\uFF1D4",
      'Comma, "quoted" and\r\nnew line',
      'Ünïcödé ☕ 🍩',
    ])
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^(?:\s*[=+\-@\uFF1D\uFE66\uFF0B\uFF0D\uFF20]|[\t\r])/)
  })

  test('a range without orders is just the header', async () => {
    const text = await (await csv('?from=2020-01-01&to=2020-01-31')).text()
    expect(parseCsv(text)).toEqual([[...ORDER_LINE_COLUMNS]])
  })

  test('defaults to the last 30 days', async () => {
    const { rows } = await records(await csv())
    expect(new Set(rows.map((row) => row.order_id))).toEqual(new Set(inRange.map((order) => order.id)))
  })

  test('rejects a bad or reversed range with 422', async () => {
    await expectProblem(await csv('?from=2026-05-02&to=2026-05-01'), 422)
    await expectProblem(await csv('?from=not-a-date'), 422)
    await expectProblem(await csv('?from=2020-01-01&to=2026-01-01'), 422)
  })
})

const big = await createTestApp()
big.clock.set(NOW)

describe('GET /admin/reports/orders.csv streaming', () => {
  afterAll(() => big.close())

  test('sends the body as a stream, a batch of rows at a time, and every row exactly once', async () => {
    const owner = await createUser(big, { role: 'admin' })
    const customer = await createUser(big)
    const catalog = await Promise.all(Array.from({ length: 10 }, () => insertProduct(big)))
    const orders = 260
    await insertOrders(
      big,
      Array.from({ length: orders }, (_, i) => ({
        userId: customer.id,
        status: 'paid' as const,
        // Many orders share an instant: the keyset must page through ties by id and line.
        createdAt: new Date(Date.parse('2026-05-10T00:00:00.000Z') + Math.floor(i / 7) * 1000).toISOString(),
        lines: catalog.map((product) => ({ product, quantity: 1 })),
      })),
    )
    const response = await big.request('/admin/reports/orders.csv?from=2026-05-01&to=2026-05-31', { token: owner.token })
    expect(response.body).toBeInstanceOf(ReadableStream)

    const reader = response.body!.getReader()
    const decoder = new TextDecoder()
    let text = ''
    let chunks = 0
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      chunks++
      text += decoder.decode(part.value, { stream: true })
    }
    const [, ...rows] = parseCsv(text)
    expect(rows).toHaveLength(orders * catalog.length)
    expect(chunks).toBe(Math.ceil((orders * catalog.length) / CSV_BATCH_ROWS)) // 2,600 lines, one chunk per batch
    const keys = rows.map((row) => `${row[0]}#${row[5]}`)
    expect(new Set(keys).size).toBe(keys.length)
    const sorted = [...rows].sort((a, b) => (a[1]! + a[0]! + a[5]!.padStart(3, '0') < b[1]! + b[0]! + b[5]!.padStart(3, '0') ? -1 : 1))
    expect(rows).toEqual(sorted)
  })

  test('pages through batches that end in the middle of an order', async () => {
    const range = parseRange({ from: '2026-05-01', to: '2026-05-31' }, big.clock.now())
    const whole = await new Response(ordersCsvStream(big.services.stores.reports.orderLines, range, 100_000)).text()
    for (const batchSize of [1, 3, 7, 999]) {
      const paged = await new Response(ordersCsvStream(big.services.stores.reports.orderLines, range, batchSize)).text()
      expect(paged).toBe(whole)
    }
    expect(parseCsv(whole)).toHaveLength(1 + 2600)
  })

  test('reads no further than the client does', async () => {
    const owner = await createUser(big, { role: 'admin' })
    const response = await big.request('/admin/reports/orders.csv?from=2026-05-01&to=2026-05-31', { token: owner.token })
    const reader = response.body!.getReader()
    const first = await reader.read()
    const lines = parseCsv(new TextDecoder().decode(first.value))
    expect(lines.length).toBeLessThanOrEqual(1 + CSV_BATCH_ROWS)
    await reader.cancel()
  })
})
