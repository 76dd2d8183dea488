import type { Database } from 'bun:sqlite'
import type { EmailStatus } from '../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import type { ComposedEmail } from './templates/layout.ts'

/*
 * The mail outbox's only SQL. Writes that other modules make in their own transactions go through
 * `enqueueInTransaction` (synchronous, so it can run inside a bun:sqlite transaction); everything
 * else is async, so another database can stand behind the same interface.
 */

export interface EmailRow {
  id: string
  to: string
  subject: string
  template: string
  status: EmailStatus
  attempts: number
  last_error: string | null
  created_at: string
  sent_at: string | null
}

/** A message claimed by a worker for one attempt. */
export interface ClaimedEmail {
  id: string
  to: string
  subject: string
  text: string
  html: string
  /** This attempt's number, 1-based. */
  attempt: number
  lease: string
}

export type AttemptResult =
  | { result: 'sent' }
  | { result: 'retry'; error: string; nextAttemptAt: string }
  | { result: 'failed'; error: string }

export function createEmailStore(sqlite: Database) {
  const insert = sqlite.prepare<void, [string, string, string, string, string, string, string, string]>(
    `INSERT INTO emails (id, to_address, subject, template, text_body, html_body, status, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
  )
  const listColumns = `id, to_address AS "to", subject, template, status, attempts, last_error, created_at, sent_at FROM emails`
  const firstPage = sqlite.prepare<EmailRow, [number]>(`SELECT ${listColumns} ORDER BY created_at DESC, id DESC LIMIT ?`)
  const nextPage = sqlite.prepare<EmailRow, [string, string, string, number]>(
    `SELECT ${listColumns} WHERE created_at < ? OR (created_at = ? AND id < ?) ORDER BY created_at DESC, id DESC LIMIT ?`,
  )
  // Read-only probe, so an idle worker never takes the write lock.
  const anyDue = sqlite.prepare<{ found: number }, [string, string]>(
    `SELECT 1 AS found FROM emails
     WHERE (status = 'pending' AND next_attempt_at <= ?1) OR (status = 'sending' AND lease_until <= ?2) LIMIT 1`,
  )
  type DueRow = { id: string; status: 'pending' | 'sending'; attempts: number; lease_until: string | null; to: string; subject: string; text: string; html: string }
  const dueColumns = `id, status, attempts, lease_until, to_address AS "to", subject, text_body AS "text", html_body AS "html" FROM emails`
  // Two queries, not one with OR: each walks emails_due_idx in order.
  const selectExpiredLeases = sqlite.prepare<DueRow, [string, number]>(`SELECT ${dueColumns} WHERE status = 'sending' AND lease_until <= ? LIMIT ?`)
  const selectDuePending = sqlite.prepare<DueRow, [string, number]>(
    `SELECT ${dueColumns} WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`,
  )
  const claimRow = sqlite.prepare<void, [string, string]>(
    "UPDATE emails SET status = 'sending', attempts = attempts + 1, lease_until = ? WHERE id = ?",
  )
  // A terminal message keeps its metadata for admins; its bodies (one-time links) are erased.
  const finish = sqlite.prepare<{ id: string }, [EmailStatus, string | null, string | null, string, string]>(
    `UPDATE emails SET status = ?, last_error = ?, sent_at = ?, next_attempt_at = NULL, lease_until = NULL, text_body = NULL, html_body = NULL
     WHERE id = ? AND status = 'sending' AND lease_until = ? RETURNING id`,
  )
  const reschedule = sqlite.prepare<{ id: string }, [string, string, string, string]>(
    `UPDATE emails SET status = 'pending', last_error = ?, next_attempt_at = ?, lease_until = NULL
     WHERE id = ? AND status = 'sending' AND lease_until = ? RETURNING id`,
  )

  const claimBatch = sqlite.transaction((now: string, lease: string, limit: number, maxAttempts: number) => {
    const claims: ClaimedEmail[] = []
    let failed = 0
    const expired = selectExpiredLeases.all(now, limit)
    for (const row of [...expired, ...selectDuePending.all(now, limit - expired.length)]) {
      if (row.status === 'sending' && row.attempts >= maxAttempts) {
        // Its last allowed attempt was cut off (the process died): no attempts are left.
        finish.get('failed', `attempt ${row.attempts} was interrupted (the worker stopped) and no attempts remain`, null, row.id, row.lease_until!)
        failed++
        continue
      }
      claimRow.run(lease, row.id)
      claims.push({ id: row.id, to: row.to, subject: row.subject, text: row.text, html: row.html, attempt: row.attempts + 1, lease })
    }
    return { claims, failed }
  })

  return {
    /** Queues a message; call inside the transaction of the change that causes it. Returns its id. */
    enqueueInTransaction(to: string, message: ComposedEmail, at: string): string {
      const id = Bun.randomUUIDv7()
      insert.run(id, to, message.subject, message.template, message.text, message.html, at, at)
      return id
    },

    /** Newest first, cursor pages. */
    async list(query: { limit: number; cursor?: string }): Promise<{ items: EmailRow[]; next_cursor: string | null }> {
      const rows = query.cursor
        ? (() => {
            const [createdAt, id] = decodeCursor(query.cursor, ['string', 'string']) as [string, string]
            return nextPage.all(createdAt, createdAt, id, query.limit + 1)
          })()
        : firstPage.all(query.limit + 1)
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      return { items: page, next_cursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null }
    },

    /** Claims up to `limit` due messages (pending and due, or sending with an expired lease) under a lease. */
    async claim(now: string, lease: string, limit: number, maxAttempts: number) {
      if (!anyDue.get(now, now)) return { claims: [] as ClaimedEmail[], failed: 0 }
      return claimBatch.immediate(now, lease, limit, maxAttempts)
    },

    /** Records an attempt's outcome if our lease still holds the message; false when it no longer does. */
    async record(claim: ClaimedEmail, outcome: AttemptResult, now: string): Promise<boolean> {
      if (outcome.result === 'retry') return reschedule.get(outcome.error, outcome.nextAttemptAt, claim.id, claim.lease) !== null
      const error = outcome.result === 'failed' ? outcome.error : null
      return finish.get(outcome.result, error, outcome.result === 'sent' ? now : null, claim.id, claim.lease) !== null
    },
  }
}

export type EmailStore = ReturnType<typeof createEmailStore>
