import { describe, expect, test } from 'bun:test'
import { emptyFolder, runKiosk, startKiosk } from './harness.ts'

describe('kiosk create-admin', () => {
  test('creates an admin from --password-stdin who can then log in over HTTP; repeating it promotes, not duplicates', async () => {
    const dir = emptyFolder()
    const created = await runKiosk(['create-admin', '--email', 'Root@Shop.example', '--password-stdin'], { dir, stdin: 'a long admin password\n' })
    expect(created.stdout).toContain('created admin root@shop.example')
    expect(created.code).toBe(0)
    const again = await runKiosk(['create-admin', '--email', 'root@shop.example', '--password-stdin'], { dir, stdin: 'another admin password\n' })
    expect(again.stdout).toContain('promoted root@shop.example')

    const kiosk = await startKiosk({ dir })
    const login = await fetch(`${kiosk.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=root%40shop.example&password=another+admin+password',
    })
    expect(login.status).toBe(200)
    const { access_token } = (await login.json()) as { access_token: string }
    const users = (await (await fetch(`${kiosk.url}/users`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { items: { role: string }[] }
    expect(users.items).toEqual([expect.objectContaining({ email: 'root@shop.example', role: 'admin' })])
    expect(await kiosk.stop()).toBe(0)
  })

  test('refuses a short password and a bad email', async () => {
    expect((await runKiosk(['create-admin', '--email', 'a@b.example', '--password-stdin'], { stdin: 'short\n' })).code).toBe(2)
    expect((await runKiosk(['create-admin', '--email', 'nope', '--password-stdin'], { stdin: 'long enough password\n' })).code).toBe(2)
  })
})
