import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { EMAIL_LEASE_MS } from '../../../src/jobs/email-worker.ts'
import { createUser, createTestApp, expectProblem, json, type TestApp } from '../../helpers.ts'
import { onCleanup, runCleanups, setupMail } from './fixtures.ts'
import { closedPort, startSmtp, tokenFrom } from './smtp-server.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

const requestReset = (t: TestApp, email: string) => t.request('/auth/password-reset', { method: 'POST', json: { email } })

/** An SMTP_URL whose server is down (nothing listens on the port yet). */
async function downSmtp() {
  const port = await closedPort()
  return { port, url: `smtp://kiosk:smtp-secret@127.0.0.1:${port}` }
}

describe('the mail outbox and its worker', () => {
  test('SMTP down for the first attempts and back later: the mail arrives, once', async () => {
    const down = await downSmtp()
    const { t, worker, emailRows } = await setupMail({ SMTP_URL: down.url })
    const user = await createUser(t)
    expect((await requestReset(t, user.email)).status).toBe(202)

    await worker.runOnce()
    const [first] = await emailRows()
    expect(first).toMatchObject({ status: 'pending', attempts: 1 })
    expect(first!.last_error).toContain('ECONNREFUSED')
    // random() is pinned to 0.5: attempt 1 waits 2.5 s (half of 5 s), attempt 2 waits 5 s.
    expect(Date.parse(first!.next_attempt_at!) - t.clock.now().getTime()).toBe(2_500)
    await worker.runOnce() // not due yet: nothing happens
    expect((await emailRows())[0]).toMatchObject({ status: 'pending', attempts: 1 })

    t.clock.set(first!.next_attempt_at!)
    await worker.runOnce()
    const [second] = await emailRows()
    expect(second).toMatchObject({ status: 'pending', attempts: 2 })
    expect(Date.parse(second!.next_attempt_at!) - t.clock.now().getTime()).toBe(5_000)

    const smtp = await startSmtp({ port: down.port })
    onCleanup(() => smtp.close())
    t.clock.set(second!.next_attempt_at!)
    await worker.runOnce()
    await worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.subject).toBe('Reset your password')
    expect(await emailRows()).toMatchObject([{ status: 'sent', attempts: 3, next_attempt_at: null, text_body: null, html_body: null }])
    const counted = Object.fromEntries(
      (await t.ctx.metrics.emailAttempts.get()).values.map((value) => [String(value.labels.outcome), value.value]),
    )
    expect(counted).toEqual({ retry: 2, sent: 1 })
    // The token mailed after the outage still works.
    const confirmed = await t.request('/auth/password-reset/confirm', {
      method: 'POST',
      json: { token: tokenFrom(smtp.received[0]!, '/reset-password'), new_password: 'after the outage' },
    })
    expect(confirmed.status).toBe(204)
  })

  test('after EMAIL_MAX_ATTEMPTS the message is failed and visible at GET /admin/emails, without body or token', async () => {
    const down = await downSmtp()
    const { t, worker, emailRows } = await setupMail({ EMAIL_MAX_ATTEMPTS: '2', SMTP_URL: down.url })
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    await requestReset(t, user.email)
    const createdAt = t.clock.now().toISOString()
    await worker.runOnce()
    t.clock.set((await emailRows())[0]!.next_attempt_at!)
    await worker.runOnce()
    const [row] = await emailRows()
    expect(row).toMatchObject({ status: 'failed', attempts: 2, next_attempt_at: null, text_body: null, html_body: null })

    const listed = await t.request('/admin/emails', { token: admin.token })
    expect(listed.status).toBe(200)
    const page = await json(listed)
    expect(page.next_cursor).toBeNull()
    expect(page.items).toHaveLength(1)
    const item = page.items[0]
    expect(Object.keys(item).sort()).toEqual(['attempts', 'created_at', 'id', 'last_error', 'sent_at', 'status', 'subject', 'template', 'to'])
    expect(item).toMatchObject({
      id: row!.id,
      to: user.email,
      subject: 'Reset your password',
      template: 'password_reset',
      status: 'failed',
      attempts: 2,
      created_at: createdAt,
      sent_at: null,
    })
    expect(item.last_error).toContain('ECONNREFUSED')
    await worker.runOnce()
    expect((await emailRows())[0]).toMatchObject({ status: 'failed', attempts: 2 })
    await expectProblem(await t.request('/admin/emails', { token: user.token }), 403)
    await expectProblem(await t.request('/admin/emails'), 401)
  })

  test('GET /admin/emails pages newest first', async () => {
    const { t, worker } = await setupMail()
    const admin = await createUser(t, { role: 'admin' })
    const users = [await createUser(t), await createUser(t), await createUser(t)]
    for (const user of users) {
      await requestReset(t, user.email)
      t.clock.advance(1000)
    }
    await worker.runOnce()
    const first = await json(await t.request('/admin/emails?limit=2', { token: admin.token }))
    expect(first.items.map((item: { to: string }) => item.to)).toEqual([users[2]!.email, users[1]!.email])
    expect(first.items.map((item: { status: string }) => item.status)).toEqual(['sent', 'sent'])
    expect(first.items[0].sent_at).toBe(t.clock.now().toISOString())
    const second = await json(await t.request(`/admin/emails?limit=2&cursor=${first.next_cursor}`, { token: admin.token }))
    expect(second.items.map((item: { to: string }) => item.to)).toEqual([users[0]!.email])
    expect(second.next_cursor).toBeNull()
    await expectProblem(await t.request('/admin/emails?cursor=garbage', { token: admin.token }), 422)
  })

  test('a restart loses no message: a pending email is sent by the next process', async () => {
    const smtp = await startSmtp()
    onCleanup(() => smtp.close())
    const first = await setupMail({}, { smtp })
    const user = await createUser(first.t)
    await requestReset(first.t, user.email)
    // The process stops before its worker ran: the message is only in the database.
    first.exit()

    const second = await setupMail({}, { smtp, storage: first.storage })
    await second.worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.to).toMatchObject({ value: [{ address: user.email }] })
  })
})

describe('a worker that dies mid-attempt', () => {
  test('its message is taken over once the lease expires, never while it holds', async () => {
    let release!: () => void
    const smtp = await startSmtp({ holdFirst: new Promise<void>((resolve) => (release = resolve)) })
    onCleanup(() => smtp.close())
    onCleanup(() => release())
    const first = await setupMail({}, { smtp })
    const user = await createUser(first.t)
    await requestReset(first.t, user.email)
    // The first process's attempt hangs inside the SMTP exchange; then the process "dies".
    const abandoned = first.worker.runOnce()
    for (let i = 0; i < 200 && (await first.emailRows())[0]!.status !== 'sending'; i++) await Bun.sleep(5)
    expect((await first.emailRows())[0]).toMatchObject({ status: 'sending', attempts: 1 })
    const diedAt = first.t.clock.now()
    first.exit()

    const second = await setupMail({}, { smtp, storage: first.storage })
    second.t.clock.set(diedAt)
    await second.worker.runOnce()
    expect((await second.emailRows())[0]).toMatchObject({ status: 'sending', attempts: 1 }) // the lease still holds
    second.t.clock.advance(EMAIL_LEASE_MS)
    await second.worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    expect((await second.emailRows())[0]).toMatchObject({ status: 'sent', attempts: 2 })

    // The dead process's attempt, let go at last, is accepted too (at least once, same Message-ID), and its
    // outcome lands on a closed database: nothing changes.
    release()
    await abandoned
    await smtp.arrivals(2)
    expect(smtp.received[0]!.messageId).toBe(smtp.received[1]!.messageId!)
    expect((await second.emailRows())[0]).toMatchObject({ status: 'sent', attempts: 2 })
  })
})

describe('without SMTP_URL', () => {
  test('the email routes answer 503 and registration works as before, queueing nothing', async () => {
    const t = await createTestApp()
    onCleanup(() => t.close())
    const user = await createUser(t)
    const calls: [string, unknown, string | undefined][] = [
      ['/auth/password-reset', { email: user.email }, undefined],
      ['/auth/password-reset/confirm', { token: 'x'.repeat(43), new_password: 'a brand new password' }, undefined],
      ['/auth/verify-email', { token: 'x'.repeat(43) }, undefined],
      ['/auth/verify-email/resend', undefined, user.token],
    ]
    for (const [path, body, token] of calls) {
      const problem = await expectProblem(await t.request(path, { method: 'POST', json: body, token }), 503)
      expect(problem.detail).toBe('email delivery is not configured')
      expect(problem.type).toBe('urn:kiosk:problem:unavailable')
    }
    const registered = await t.request('/auth/register', {
      method: 'POST',
      json: { email: 'new@example.com', password: 'long enough pass', name: 'New' },
    })
    expect(registered.status).toBe(201)
    expect(await registered.json()).toMatchObject({ email: 'new@example.com', email_verified: false })
    expect(await t.sql(sql`SELECT 1 FROM emails`)).toHaveLength(0)

    // An email change applies at once (there is no way to send a link), unverified.
    const changed = await t.request('/users/me', { method: 'PATCH', token: user.token, json: { email: 'moved@example.com' } })
    expect(await json(changed)).toMatchObject({ email: 'moved@example.com', email_verified: false })
  })
})
