import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { createUser, expectProblem, insertProduct, json, type TestApp } from '../../helpers.ts'
import { runCleanups, setupMail } from './fixtures.ts'
import { tokenFrom } from './smtp-server.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

const register = (t: TestApp, email: string) =>
  t.request('/auth/register', { method: 'POST', json: { email, password: 'long enough pass', name: 'Grace' } })
const verify = (t: TestApp, token: string) => t.request('/auth/verify-email', { method: 'POST', json: { token } })
const login = async (t: TestApp, username: string, password = 'long enough pass') =>
  t.request('/token', { method: 'POST', json: { grant_type: 'password', username, password } })

describe('email verification', () => {
  test('registration mails a link whose token verifies the address once', async () => {
    const { t, smtp, worker, emailRows } = await setupMail()
    const created = await register(t, 'Grace@Example.com')
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ email: 'grace@example.com', email_verified: false })
    // Queued in the registration's transaction, before any worker ran.
    expect(await emailRows()).toMatchObject([{ to_address: 'grace@example.com', template: 'verify_email', status: 'pending' }])

    await worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.subject).toBe('Confirm your email address')
    const token = tokenFrom(smtp.received[0]!, '/verify-email')
    expect((await verify(t, token)).status).toBe(204)
    const { access_token } = await json(await login(t, 'grace@example.com'))
    expect(await json(await t.request('/users/me', { token: access_token }))).toMatchObject({ email_verified: true })

    const reused = await expectProblem(await verify(t, token), 400)
    expect(reused.detail).toBe('The verification token is invalid or has expired.')
  })

  test('a verification token past EMAIL_VERIFY_TTL fails', async () => {
    const { t, smtp, worker } = await setupMail({ EMAIL_VERIFY_TTL: '1h' })
    await register(t, 'late@example.com')
    await worker.runOnce()
    t.clock.advance(60 * 60_000)
    await expectProblem(await verify(t, tokenFrom(smtp.received[0]!, '/verify-email')), 400)
  })

  test('resend mails a new link (the older one stops working), rate limited per user, nothing once verified', async () => {
    const { t, smtp, worker } = await setupMail()
    const user = await createUser(t)
    const resend = () => t.request('/auth/verify-email/resend', { method: 'POST', token: user.token })
    await expectProblem(await t.request('/auth/verify-email/resend', { method: 'POST' }), 401)
    expect((await resend()).status).toBe(202)
    expect((await resend()).status).toBe(202)
    await worker.runOnce()
    expect(smtp.received).toHaveLength(2)
    const [older, newer] = smtp.received.map((mail) => tokenFrom(mail, '/verify-email'))
    await expectProblem(await verify(t, older!), 400)
    expect((await verify(t, newer!)).status).toBe(204)
    expect((await resend()).status).toBe(202) // already verified: nothing is sent
    await worker.runOnce()
    expect(smtp.received).toHaveLength(2)
    const limited = await resend()
    await expectProblem(limited, 429)
    expect(limited.headers.get('retry-after')).toBe('3600')
  })

  test('with REQUIRE_VERIFIED_EMAIL=true an unverified user signs in but POST /orders is 403 until verified', async () => {
    const { t, smtp, worker } = await setupMail({ REQUIRE_VERIFIED_EMAIL: 'true' })
    const product = await insertProduct(t, { stock: 5 })
    await register(t, 'buyer@example.com')
    const signedIn = await login(t, 'buyer@example.com')
    expect(signedIn.status).toBe(200)
    const { access_token } = await json(signedIn)
    const order = () => t.request('/orders', { method: 'POST', token: access_token, json: { items: [{ product_id: product.id, quantity: 1 }] } })
    const refused = await expectProblem(await order(), 403)
    expect(refused.detail).toBe('Your email address is not verified: confirm it (POST /auth/verify-email) before ordering.')
    expect(await t.sql(sql`SELECT stock FROM products WHERE id = ${product.id}`)).toEqual([{ stock: 5 }])

    await worker.runOnce()
    expect((await verify(t, tokenFrom(smtp.received[0]!, '/verify-email'))).status).toBe(204)
    expect((await order()).status).toBe(201)
  })

  test('without REQUIRE_VERIFIED_EMAIL an unverified user orders as before', async () => {
    const { t } = await setupMail()
    const product = await insertProduct(t)
    const user = await createUser(t)
    const created = await t.request('/orders', { method: 'POST', token: user.token, json: { items: [{ product_id: product.id, quantity: 1 }] } })
    expect(created.status).toBe(201)
  })
})

describe('changing one\'s email', () => {
  test('the new address gets a link; the old one stays (and signs in) until the link is used', async () => {
    const { t, smtp, worker } = await setupMail()
    const user = await createUser(t, { email: 'old@example.com' })
    const patched = await t.request('/users/me', { method: 'PATCH', token: user.token, json: { email: 'New@Example.com', name: 'Renamed' } })
    expect(patched.status).toBe(200)
    expect(await patched.json()).toMatchObject({ email: 'old@example.com', name: 'Renamed', email_verified: false })
    await worker.runOnce()
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]!.to).toMatchObject({ value: [{ address: 'new@example.com' }] })
    expect(smtp.received[0]!.subject).toBe('Confirm your new email address')
    expect((await login(t, 'old@example.com', user.password)).status).toBe(200)
    expect((await login(t, 'new@example.com', user.password)).status).toBe(400)

    expect((await verify(t, tokenFrom(smtp.received[0]!, '/verify-email'))).status).toBe(204)
    expect(await json(await t.request('/users/me', { token: user.token }))).toMatchObject({ email: 'new@example.com', email_verified: true })
    expect((await login(t, 'new@example.com', user.password)).status).toBe(200)
    expect((await login(t, 'old@example.com', user.password)).status).toBe(400)
  })

  test('an address that is taken is 409 at once, or 409 at verification when taken meanwhile', async () => {
    const { t, smtp, worker } = await setupMail()
    const other = await createUser(t)
    const user = await createUser(t)
    await expectProblem(await t.request('/users/me', { method: 'PATCH', token: user.token, json: { email: other.email } }), 409)
    expect((await t.request('/users/me', { method: 'PATCH', token: user.token, json: { email: 'wanted@example.com' } })).status).toBe(200)
    await register(t, 'wanted@example.com')
    await worker.runOnce()
    const link = smtp.received.find((mail) => mail.subject === 'Confirm your new email address')!
    await expectProblem(await verify(t, tokenFrom(link, '/verify-email')), 409)
    expect(await json(await t.request('/users/me', { token: user.token }))).toMatchObject({ email: user.email })
  })

  test('an admin changing a user\'s email makes it unverified', async () => {
    const { t } = await setupMail()
    const admin = await createUser(t, { role: 'admin' })
    const user = await createUser(t)
    await t.sql(sql`UPDATE users SET email_verified_at = ${t.clock.now().toISOString()} WHERE id = ${user.id}`)
    expect(await json(await t.request(`/users/${user.id}`, { token: admin.token }))).toMatchObject({ email_verified: true })
    const patched = await t.request(`/users/${user.id}`, { method: 'PATCH', token: admin.token, json: { email: 'changed@example.com' } })
    expect(await json(patched)).toMatchObject({ email: 'changed@example.com', email_verified: false })
  })
})
