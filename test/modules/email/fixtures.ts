import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import type { Env } from '../../../src/config.ts'
import { createEmailWorker } from '../../../src/jobs/email-worker.ts'
import { createTestApp, onPostgres, type TestApp } from '../../helpers.ts'
import { createTestDatabase } from '../../postgres.ts'
import { startSmtp, type TestSmtp } from './smtp-server.ts'

export const PUBLIC_URL = 'https://shop.example'

const cleanups: (() => unknown)[] = []
/** Runs after the test, newest first. */
export const onCleanup = (cleanup: () => unknown) => cleanups.push(cleanup)
export const runCleanups = async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/** Where an app's data lives (a folder for SQLite, a database on PostgreSQL), owned here so a next "process" can reuse it. */
export type MailStorage = { dir: string } | { databaseUrl: string }

async function newStorage(): Promise<MailStorage> {
  if (onPostgres) {
    const database = await createTestDatabase()
    onCleanup(() => database.drop())
    return { databaseUrl: database.url }
  }
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-mail-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return { dir }
}

export interface EmailRowSql {
  id: string
  to_address: string
  template: string
  status: string
  attempts: number
  last_error: string | null
  next_attempt_at: string | null
  text_body: string | null
  html_body: string | null
}

/**
 * An app whose mail goes to a real SMTP server on loopback (`options.smtp`, or a new one), and the
 * worker that sends it (driven by runOnce). `env.SMTP_URL` overrides where the app sends.
 * `options.storage` (an earlier setup's) starts the app on that one's data: a restart.
 */
export async function setupMail(env: Env = {}, options: { smtp?: TestSmtp; storage?: MailStorage } = {}) {
  const smtp = options.smtp ?? (await startSmtp())
  if (!options.smtp) cleanups.push(() => smtp.close())
  const storage = options.storage ?? (await newStorage())
  const t: TestApp = await createTestApp({ SMTP_URL: smtp.url, PUBLIC_URL, ...env }, storage)
  // Backoff draws are pinned to the middle of their range, so retry times are exact.
  const worker = createEmailWorker(t.services.stores.email, t.ctx, { random: () => 0.5 })
  let exited = false
  cleanups.push(
    () => worker.stop(),
    () => exited || t.close(),
  )
  /** The process "stops": its database closes, its data stays for the next one. */
  const exit = () => {
    exited = true
    void t.services.coherence.close()
    void t.ctx.close()
  }
  // A plain array: PostgreSQL's result array also carries count and command, which toMatchObject would compare.
  const emailRows = async () => [
    ...(await t.sql<EmailRowSql>(
      sql`SELECT id, to_address, template, status, attempts, last_error, next_attempt_at, text_body, html_body FROM emails ORDER BY created_at, id`,
    )),
  ]
  return { t, smtp, worker, emailRows, exit, storage }
}
