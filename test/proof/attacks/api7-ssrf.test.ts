import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { problem, useLive } from '../live.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

// OWASP API7: server-side request forgery through webhook targets.
const live = useLive()

const targets = [
  'http://127.0.0.1/hook',
  'http://localhost:3000/hook',
  'http://[::1]/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://192.168.1.1/hook',
  'http://2130706433/hook',
  'http://0x7f.0.0.1/hook',
  'http://0/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:0:7f00:1]/',
  'http://[::ffff:0:127.0.0.1]/hook',
  'http://[fe80::1]/hook',
  'http://100.64.0.1/hook',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
]

describe('POST /admin/webhooks', () => {
  for (const url of targets) {
    test(`refuses ${url}`, async () => {
      await problem(await live.call('/admin/webhooks', { method: 'POST', token: live.admin.token, json: { url, events: ['order.created'] } }), 422)
    })
  }

  test('lists none of them afterwards', async () => {
    const list = (await (await live.call('/admin/webhooks', { token: live.admin.token })).json()) as { items: unknown[] }
    expect(list.items).toEqual([])
  })
})
