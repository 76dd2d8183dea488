import { afterEach, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createUser, type TestApp } from '../../helpers.ts'
import { onCleanup, runCleanups, setupMail } from './fixtures.ts'
import { selfSignedCertificate, SMTP_PASS, SMTP_USER, startSmtp } from './smtp-server.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

afterEach(runCleanups)

const requestReset = (t: TestApp, email: string) => t.request('/auth/password-reset', { method: 'POST', json: { email } })

async function tlsServer() {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-tls-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  const tls = selfSignedCertificate(dir)
  const smtp = await startSmtp({ tls })
  onCleanup(() => smtp.close())
  return { smtp, cert: tls.cert }
}

describe('STARTTLS', () => {
  test('smtp:// upgrades with STARTTLS when the server offers it (credentials go over TLS)', async () => {
    const { smtp, cert } = await tlsServer()
    // nodemailer reads transport options from the URL's query: here, the CA to trust for this test server.
    const url = `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtp.port}?tls.ca=${encodeURIComponent(cert)}`
    const { t, worker, emailRows } = await setupMail({ SMTP_URL: url }, { smtp })
    const user = await createUser(t)
    await requestReset(t, user.email)
    await worker.runOnce()
    expect(await emailRows()).toMatchObject([{ status: 'sent', attempts: 1 }])
    expect(smtp.secure).toEqual([true])
  })

  test('a certificate that can\'t be verified fails the attempt (retried), never a silent plain-text fallback', async () => {
    const { smtp } = await tlsServer()
    const url = `smtp://${SMTP_USER}:${SMTP_PASS}@127.0.0.1:${smtp.port}`
    const { t, worker, emailRows } = await setupMail({ SMTP_URL: url }, { smtp })
    const user = await createUser(t)
    await requestReset(t, user.email)
    await worker.runOnce()
    const [row] = await emailRows()
    expect(row).toMatchObject({ status: 'pending', attempts: 1 })
    expect(row!.last_error).toContain('certificate')
    expect(smtp.received).toHaveLength(0)
  })
})
