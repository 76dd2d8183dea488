import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { scheduledJobs } from '../../../src/jobs/scheduler.ts'
import { hashOneTimeToken } from '../../../src/modules/auth/one-time-token.ts'
import { createUser, expectProblem, json, type TestApp } from '../../helpers.ts'
import { onCleanup, PUBLIC_URL, runCleanups, setupMail } from './fixtures.ts'
import { tokenFrom } from './smtp-server.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

const login = (t: TestApp, username: string, password: string) =>
  t.request('/token', { method: 'POST', json: { grant_type: 'password', username, password } })

const requestReset = (t: TestApp, email: string) => t.request('/auth/password-reset', { method: 'POST', json: { email } })
const confirm = (t: TestApp, token: string, new_password: string) =>
  t.request('/auth/password-reset/confirm', { method: 'POST', json: { token, new_password } })

describe('password recovery by email', () => {
  test('the mailed link carries a token that works once; every session ends; a notice is mailed', async () => {
    const { t, smtp, worker, emailRows } = await setupMail()
    const user = await createUser(t, { name: 'Ada <Lovelace>' })
    const session = await json(await login(t, user.email, user.password))

    const accepted = await requestReset(t, user.email)
    expect(accepted.status).toBe(202)
    expect(await accepted.json()).toEqual({})
    await worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    const [mail] = smtp.received
    expect(mail!.to).toMatchObject({ value: [{ address: user.email }] })
    expect(mail!.subject).toBe('Reset your password')
    expect(mail!.from?.value[0]?.address).toBe('no-reply@localhost')
    const token = tokenFrom(mail!, '/reset-password')
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
    expect(mail!.html).toContain(`${PUBLIC_URL}/reset-password?token=${token}`)
    // Values in the HTML body are escaped; the plain-text body has them as they are.
    expect(mail!.html).toContain('Hello Ada &lt;Lovelace&gt;,')
    expect(mail!.text).toContain('Hello Ada <Lovelace>,')

    // At rest: only the hash of the token; the sent message's bodies are erased.
    const stored = await t.sql<{ token_hash: string }>(sql`SELECT token_hash FROM account_tokens`)
    expect(stored).toEqual([{ token_hash: hashOneTimeToken(token) }])
    expect(await emailRows()).toMatchObject([{ status: 'sent', attempts: 1, text_body: null, html_body: null, template: 'password_reset' }])

    expect((await confirm(t, token, 'a brand new password')).status).toBe(204)
    // Every session is gone: the access token and the refresh family.
    await expectProblem(await t.request('/users/me', { token: user.token }), 401)
    await expectProblem(await t.request('/users/me', { token: session.access_token }), 401)
    const refreshed = await t.request('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: session.refresh_token } })
    expect(refreshed.status).toBe(400)
    expect((await json(refreshed)).error).toBe('invalid_grant')
    expect((await login(t, user.email, user.password)).status).toBe(400)
    expect((await login(t, user.email, 'a brand new password')).status).toBe(200)

    // Used once: the same token again is the one 400.
    const reused = await expectProblem(await confirm(t, token, 'yet another password'), 400)
    expect(reused.detail).toBe('The reset token is invalid or has expired.')

    await worker.runOnce()
    expect(smtp.received).toHaveLength(2)
    expect(smtp.received[1]!.subject).toBe('Your password was changed')
    expect(smtp.received[1]!.to).toMatchObject({ value: [{ address: user.email }] })
  })

  test('a token past PASSWORD_RESET_TTL fails; one a moment before it works', async () => {
    const { t, smtp, worker } = await setupMail({ PASSWORD_RESET_TTL: '30m' })
    const user = await createUser(t)
    await requestReset(t, user.email)
    await worker.runOnce()
    const token = tokenFrom(smtp.received[0]!, '/reset-password')
    t.clock.advance(30 * 60_000)
    const expired = await expectProblem(await confirm(t, token, 'a brand new password'), 400)
    expect(expired.detail).toBe('The reset token is invalid or has expired.')

    await requestReset(t, user.email)
    await worker.runOnce()
    const fresh = tokenFrom(smtp.received[1]!, '/reset-password')
    t.clock.advance(30 * 60_000 - 1)
    expect((await confirm(t, fresh, 'a brand new password')).status).toBe(204)
  })

  test('a newer request invalidates the older token; unknown tokens fail alike', async () => {
    const { t, smtp, worker } = await setupMail()
    const user = await createUser(t)
    await requestReset(t, user.email)
    await requestReset(t, user.email)
    await worker.runOnce()
    expect(smtp.received).toHaveLength(2)
    const [older, newer] = smtp.received.map((mail) => tokenFrom(mail, '/reset-password'))
    expect((await expectProblem(await confirm(t, older!, 'a brand new password'), 400)).detail).toBe('The reset token is invalid or has expired.')
    expect((await expectProblem(await confirm(t, 'not-a-token', 'a brand new password'), 400)).detail).toBe(
      'The reset token is invalid or has expired.',
    )
    expect((await confirm(t, newer!, 'a brand new password')).status).toBe(204)
  })

  test('an unknown or deactivated email gets the same 202 and no mail', async () => {
    const { t, smtp, worker, emailRows } = await setupMail()
    const inactive = await createUser(t)
    await t.sql(sql`UPDATE users SET active = false WHERE id = ${inactive.id}`)
    const known = await createUser(t)
    const answers = []
    for (const email of ['nobody@example.com', inactive.email, known.email]) {
      const response = await requestReset(t, email)
      answers.push({ status: response.status, body: await response.text(), type: response.headers.get('content-type') })
    }
    expect(answers[0]).toEqual(answers[2]!)
    expect(answers[1]).toEqual(answers[2]!)
    await worker.runOnce()
    expect(smtp.received.map((mail) => mail.to)).toMatchObject([{ value: [{ address: known.email }] }])
    expect(await emailRows()).toHaveLength(1)
    expect(await t.sql(sql`SELECT 1 FROM account_tokens`)).toHaveLength(1)
  })

  test('rate limited per email and per client address, with Retry-After', async () => {
    const { t } = await setupMail()
    const user = await createUser(t)
    for (let i = 0; i < 3; i++) expect((await requestReset(t, user.email.toUpperCase())).status).toBe(202)
    const limited = await requestReset(t, user.email)
    await expectProblem(limited, 429)
    expect(limited.headers.get('retry-after')).toBe('3600')
    t.clock.advance(60 * 60_000)
    expect((await requestReset(t, user.email)).status).toBe(202)

    // Per address: 10 an hour (one used above since the window moved), whatever the emails.
    for (let i = 0; i < 9; i++) expect((await requestReset(t, `someone${i}@example.com`)).status).toBe(202)
    const byAddress = await requestReset(t, 'someone-else@example.com')
    await expectProblem(byAddress, 429)
    expect(byAddress.headers.get('retry-after')).toBe('3600')
  })

  test('a short new password is 422 and uses nothing', async () => {
    const { t, smtp, worker } = await setupMail()
    const user = await createUser(t)
    await requestReset(t, user.email)
    await worker.runOnce()
    const token = tokenFrom(smtp.received[0]!, '/reset-password')
    await expectProblem(await confirm(t, token, 'short'), 422)
    expect((await confirm(t, token, 'long enough now')).status).toBe(204)
  })
})

describe('a locked-out account', () => {
  test('a completed reset clears its failed-login limit, so the owner signs in at once', async () => {
    const { t, smtp, worker } = await setupMail({ LOGIN_MAX_FAILURES: '2' })
    const user = await createUser(t)
    for (let i = 0; i < 2; i++) expect((await login(t, user.email, 'wrong guess')).status).toBe(400)
    expect((await login(t, user.email, user.password)).status).toBe(429)
    await requestReset(t, user.email)
    await worker.runOnce()
    expect((await confirm(t, tokenFrom(smtp.received[0]!, '/reset-password'), 'a brand new password')).status).toBe(204)
    expect((await login(t, user.email, 'a brand new password')).status).toBe(200)
  })
})

describe('the hourly account-token sweep', () => {
  test('deletes used, superseded and expired tokens, and keeps the live one', async () => {
    const { t, smtp, worker } = await setupMail()
    const [a, b] = [await createUser(t), await createUser(t)]
    await requestReset(t, a.email) // superseded by the next
    await requestReset(t, a.email) // used below
    await worker.runOnce()
    expect((await confirm(t, tokenFrom(smtp.received[1]!, '/reset-password'), 'a brand new password')).status).toBe(204)
    await requestReset(t, b.email) // expires
    t.clock.advance(30 * 60_000)
    await requestReset(t, b.email) // live
    const jobs = scheduledJobs(t.ctx, t.services)
    onCleanup(() => jobs.forEach((job) => job.stop?.()))
    const sweep = jobs.find((job) => job.name === 'account-token-sweep')!
    expect(sweep.pattern).toBe('45 * * * *')
    expect(await sweep.run()).toBe(3)
    const left = await t.sql<{ user_id: string; used_at: string | null }>(sql`SELECT user_id, used_at FROM account_tokens`)
    expect(left).toEqual([{ user_id: b.id, used_at: null }])
  })
})

describe('admin password reset', () => {
  test('PATCH /users/{id} with password sets it and revokes the user\'s sessions', async () => {
    const { t } = await setupMail()
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    const session = await json(await login(t, user.email, user.password))
    const patched = await t.request(`/users/${user.id}`, { method: 'PATCH', token: admin.token, json: { password: 'set by the admin' } })
    expect(patched.status).toBe(200)
    expect(await patched.json()).not.toHaveProperty('password')
    await expectProblem(await t.request('/users/me', { token: session.access_token }), 401)
    const refreshed = await t.request('/token', { method: 'POST', json: { grant_type: 'refresh_token', refresh_token: session.refresh_token } })
    expect(refreshed.status).toBe(400)
    expect((await login(t, user.email, 'set by the admin')).status).toBe(200)
    expect((await t.request('/users/me', { token: admin.token })).status).toBe(200)
    await expectProblem(await t.request(`/users/${user.id}`, { method: 'PATCH', token: admin.token, json: { password: 'short' } }), 422)
  })
})
