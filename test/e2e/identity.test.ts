import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { emptyFolder, runKiosk, startKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

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

  test('run again for an account while serving, it ends the sessions held on the old password', async () => {
    const dir = emptyFolder()
    expect((await runKiosk(['create-admin', '--email', 'ops@shop.example', '--password-stdin'], { dir, stdin: 'first admin password\n' })).code).toBe(0)
    const kiosk = await startKiosk({ dir })
    const token = (body: string) =>
      fetch(`${kiosk.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
    const first = (await (await token('username=ops%40shop.example&password=first+admin+password')).json()) as { refresh_token: string }

    const again = await runKiosk(['create-admin', '--email', 'ops@shop.example', '--name', 'Ops', '--password-stdin'], {
      dir,
      stdin: 'second admin password\n',
    })
    expect(again.code).toBe(0)
    // The refresh token issued before the reset no longer mints access tokens.
    const replay = await token(`grant_type=refresh_token&refresh_token=${first.refresh_token}`)
    expect(replay.status).toBe(400)
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant')
    expect((await token('username=ops%40shop.example&password=first+admin+password')).status).toBe(400)
    const second = await token('username=ops%40shop.example&password=second+admin+password')
    expect(second.status).toBe(200)
    const { access_token } = (await second.json()) as { access_token: string }
    const me = (await (await fetch(`${kiosk.url}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()) as { name: string }
    expect(me.name).toBe('Ops')
    expect(await kiosk.stop()).toBe(0)
  })

  test('refuses a short password and a bad email', async () => {
    expect((await runKiosk(['create-admin', '--email', 'a@b.example', '--password-stdin'], { stdin: 'short\n' })).code).toBe(2)
    expect((await runKiosk(['create-admin', '--email', 'nope', '--password-stdin'], { stdin: 'long enough password\n' })).code).toBe(2)
    expect((await runKiosk(['create-admin', '--email', '<x>@shop.example', '--password-stdin'], { stdin: 'long enough password\n' })).code).toBe(2)
  })
})
