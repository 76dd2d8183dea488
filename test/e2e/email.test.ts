import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { closedPort, SMTP_PASS, SMTP_USER, startSmtp, tokenFrom } from '../modules/email/smtp-server.ts'
import { emptyFolder, runKiosk, startKiosk, type RunningKiosk } from './harness.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const ADMIN = { email: 'root@shop.example', password: 'a long admin password' }

const post = (kiosk: RunningKiosk, path: string, body: unknown, token?: string) =>
  fetch(`${kiosk.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  })

async function login(kiosk: RunningKiosk, username: string, password: string) {
  const response = await post(kiosk, '/token', { username, password })
  return { status: response.status, body: (await response.json()) as { access_token: string; refresh_token: string } }
}

/** Polls GET /admin/emails until every message is sent (or the time runs out). */
async function allSent(kiosk: RunningKiosk, count: number) {
  const { body } = await login(kiosk, ADMIN.email, ADMIN.password)
  for (let i = 0; i < 300; i++) {
    const page = (await (await fetch(`${kiosk.url}/admin/emails`, { headers: { authorization: `Bearer ${body.access_token}` } })).json()) as {
      items: { status: string; attempts: number; template: string }[]
    }
    if (page.items.length === count && page.items.every((item) => item.status === 'sent')) return page.items
    await Bun.sleep(50)
  }
  throw new Error('the emails were not all sent')
}

const env = (smtpUrl: string) => ({ SMTP_URL: smtpUrl, PUBLIC_URL: 'https://shop.example', JWT_SECRET: 'e2e-secret-that-is-at-least-32-bytes-long' })

describe('email on the executable', () => {
  test('a reset mailed by the running server ends every session; SIGTERM stops the worker with it', async () => {
    const smtp = await startSmtp()
    try {
      const dir = emptyFolder()
      expect((await runKiosk(['create-admin', '--email', ADMIN.email, '--password-stdin'], { dir, stdin: `${ADMIN.password}\n` })).code).toBe(0)
      const kiosk = await startKiosk({ dir, env: env(smtp.url) })
      const session = await login(kiosk, ADMIN.email, ADMIN.password)
      expect((await post(kiosk, '/auth/password-reset', { email: ADMIN.email })).status).toBe(202)
      const [mail] = await smtp.arrivals(1)
      expect(mail!.subject).toBe('Reset your password')
      expect((await post(kiosk, '/auth/password-reset/confirm', { token: tokenFrom(mail!, '/reset-password'), new_password: 'the new admin password' })).status).toBe(204)
      expect((await post(kiosk, '/token', { grant_type: 'refresh_token', refresh_token: session.body.refresh_token })).status).toBe(400)
      expect((await fetch(`${kiosk.url}/users/me`, { headers: { authorization: `Bearer ${session.body.access_token}` } })).status).toBe(401)
      expect((await login(kiosk, ADMIN.email, 'the new admin password')).status).toBe(200)
      await smtp.arrivals(2)
      expect(smtp.received[1]!.subject).toBe('Your password was changed')
      expect(await kiosk.stop()).toBe(0)
    } finally {
      await smtp.close()
    }
  })

  test('kill -9 between commit and send loses no mail: the next process sends each message once', async () => {
    const port = await closedPort()
    const smtpUrl = `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${port}`
    const dir = emptyFolder()
    expect((await runKiosk(['create-admin', '--email', ADMIN.email, '--password-stdin'], { dir, stdin: `${ADMIN.password}\n` })).code).toBe(0)

    // The SMTP server is down: whatever the worker tries before the kill fails, so nothing is sent.
    const first = await startKiosk({ dir, env: env(smtpUrl) })
    const registered = await post(first, '/auth/register', { email: 'buyer@shop.example', password: 'long enough pass', name: 'Buyer' })
    expect(registered.status).toBe(201)
    expect((await post(first, '/auth/password-reset', { email: ADMIN.email })).status).toBe(202)
    first.process.kill('SIGKILL')
    expect(await first.process.exited).not.toBe(0)

    const smtp = await startSmtp({ port })
    try {
      const second = await startKiosk({ dir, env: env(smtpUrl) })
      const received = await smtp.arrivals(2)
      const items = await allSent(second, 2)
      expect(items.map((item) => item.template).sort()).toEqual(['password_reset', 'verify_email'])
      expect(received.map((mail) => mail.subject).sort()).toEqual(['Confirm your email address', 'Reset your password'])
      // Each arrived once, and its link still works.
      expect(smtp.received).toHaveLength(2)
      const verification = received.find((mail) => mail.subject === 'Confirm your email address')!
      expect((await post(second, '/auth/verify-email', { token: tokenFrom(verification, '/verify-email') })).status).toBe(204)
      expect(await second.stop()).toBe(0)
    } finally {
      await smtp.close()
    }
  }, 60_000)
})
