import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { connect } from 'node:net'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API4: unrestricted resource consumption. Limits hold and are answered with problems.
const live = useLive()

describe('request size and shape', () => {
  test('a body over BODY_LIMIT is 413 before it is parsed', async () => {
    const huge = JSON.stringify({ items: [{ product_id: 'x'.repeat(2 * 1024 * 1024), quantity: 1 }] })
    await problem(await live.call('/orders', { method: 'POST', token: live.alice.token, headers: { 'content-type': 'application/json' }, body: huge }), 413)
  })

  test('a huge page size is 422', async () => {
    await problem(await live.call('/products?limit=100000'), 422)
    await problem(await live.call('/orders?limit=101', { token: live.alice.token }), 422)
  })

  test('deeply nested JSON is refused with 400, not a crash', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`
    // The body reader refuses JSON nested deeper than 64 levels before parsing it.
    await problem(await live.call('/orders', { method: 'POST', token: live.alice.token, headers: { 'content-type': 'application/json' }, body: deep }), 400)
    expect((await live.call('/health/ready')).status).toBe(200)
  })

  test('more than 100 order lines is 422', async () => {
    const items = Array.from({ length: 101 }, () => ({ product_id: live.products[0]!.id, quantity: 1 }))
    await problem(await live.call('/orders', { method: 'POST', token: live.alice.token, json: { items } }), 422)
  })
})

describe('slowloris-style idle connections', () => {
  test('hundreds of half-open requests do not stop the server answering others', async () => {
    const { hostname, port } = new URL(live.kiosk.url)
    const sockets = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<ReturnType<typeof connect>>((resolve, reject) => {
            const socket = connect(Number(port), hostname, () => {
              socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ')
              resolve(socket)
            })
            socket.on('error', reject)
          }),
      ),
    )
    try {
      const response = await live.call('/health/live')
      expect(response.status).toBe(200)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
  })
})
