import type { Env } from '../../../src/config.ts'
import { createEmailWorker } from '../../../src/jobs/email-worker.ts'
import { createTestApp, type TestApp, sqliteOf } from '../../helpers.ts'
import { startSmtp, type TestSmtp } from './smtp-server.ts'

export const PUBLIC_URL = 'https://shop.example'

const cleanups: (() => unknown)[] = []
/** Runs after the test, newest first. */
export const onCleanup = (cleanup: () => unknown) => cleanups.push(cleanup)
export const runCleanups = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/**
 * An app whose mail goes to a real SMTP server on loopback (`options.smtp`, or a new one), and the
 * worker that sends it (driven by runOnce). `env.SMTP_URL` overrides where the app sends.
 */
export async function setupMail(env: Env = {}, options: { smtp?: TestSmtp; dir?: string } = {}) {
  const smtp = options.smtp ?? (await startSmtp())
  if (!options.smtp) cleanups.push(() => smtp.close())
  const t: TestApp = await createTestApp(
    { SMTP_URL: smtp.url, PUBLIC_URL, ...env },
    options.dir ? { dir: options.dir } : {},
  )
  // Backoff draws are pinned to the middle of their range, so retry times are exact.
  const worker = createEmailWorker(t.services.stores.email, t.ctx, { random: () => 0.5 })
  let exited = false
  cleanups.push(
    () => worker.stop(),
    () => exited || t.close(),
  )
  /** The process "stops": its database closes, its folder stays for the next one. */
  const exit = () => {
    exited = true
    t.ctx.close()
  }
  const emailRows = () =>
    sqliteOf(t)
      .query<
        { id: string; to_address: string; template: string; status: string; attempts: number; last_error: string | null; next_attempt_at: string | null; text_body: string | null; html_body: string | null },
        []
      >('SELECT id, to_address, template, status, attempts, last_error, next_attempt_at, text_body, html_body FROM emails ORDER BY created_at, id')
      .all()
  return { t, smtp, worker, emailRows, exit }
}
