import type { SQL } from 'bun'
import { deferWrite } from '../../db/pg/deferred-writes.ts'
import type { EmailStatus } from '../../db/schema.ts'
import { decodeCursor, encodeCursor } from '../../lib/cursor.ts'
import type { AttemptResult, ClaimedEmail, EmailRow, EmailStore } from './store.ts'

/*
 * The mail outbox on PostgreSQL, the twin of store.ts. Claims lock the rows they take with
 * FOR UPDATE SKIP LOCKED, so two workers never claim one message; every outcome is a guarded
 * update on the claim's lease, so an attempt whose lease was taken over changes nothing.
 */

type DueRow = { id: string; status: 'pending' | 'sending'; attempts: number; lease_until: string | null; to: string; subject: string; text: string; html: string }

export function createPgEmailStore(sql: SQL): EmailStore {
  return {
    /**
     * Queues a message in the transaction of the change that causes it (the store running that
     * transaction writes it there: src/db/pg/deferred-writes.ts). Returns its id.
     */
    enqueueInTransaction(to, message, at) {
      const id = Bun.randomUUIDv7()
      deferWrite(
        (tx) => tx`
          INSERT INTO emails (id, to_address, subject, template, text_body, html_body, status, attempts, next_attempt_at, created_at)
          VALUES (${id}, ${to}, ${message.subject}, ${message.template}, ${message.text}, ${message.html}, 'pending', 0, ${at}, ${at})`,
        'EmailStore.enqueueInTransaction',
      )
      return id
    },

    async list(query) {
      let rows: EmailRow[]
      if (query.cursor) {
        const [createdAt, id] = decodeCursor(query.cursor, ['string', 'string']) as [string, string]
        rows = await sql`
          SELECT id, to_address AS "to", subject, template, status, attempts, last_error, created_at, sent_at FROM emails
          WHERE created_at < ${createdAt} OR (created_at = ${createdAt} AND id < ${id})
          ORDER BY created_at DESC, id DESC LIMIT ${query.limit + 1}`
      } else {
        rows = await sql`
          SELECT id, to_address AS "to", subject, template, status, attempts, last_error, created_at, sent_at FROM emails
          ORDER BY created_at DESC, id DESC LIMIT ${query.limit + 1}`
      }
      const page = [...rows.slice(0, query.limit)]
      const last = page.at(-1)
      return { items: page, next_cursor: rows.length > query.limit && last ? encodeCursor([last.created_at, last.id]) : null }
    },

    async claim(now, lease, limit, maxAttempts) {
      // Read-only probe first, so an idle worker opens no transaction.
      const [due] = await sql`
        SELECT 1 AS found FROM emails
        WHERE (status = 'pending' AND next_attempt_at <= ${now}) OR (status = 'sending' AND lease_until <= ${now}) LIMIT 1`
      if (!due) return { claims: [] as ClaimedEmail[], failed: 0 }
      return sql.begin(async (tx) => {
        // Expired leases first (their worker died), then the due pending messages, oldest due first.
        const expired: DueRow[] = await tx`
          SELECT id, status, attempts, lease_until, to_address AS "to", subject, text_body AS "text", html_body AS "html" FROM emails
          WHERE status = 'sending' AND lease_until <= ${now}
          ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`
        const pending: DueRow[] =
          expired.length < limit
            ? await tx`
                SELECT id, status, attempts, lease_until, to_address AS "to", subject, text_body AS "text", html_body AS "html" FROM emails
                WHERE status = 'pending' AND next_attempt_at <= ${now}
                ORDER BY next_attempt_at, id LIMIT ${limit - expired.length} FOR UPDATE SKIP LOCKED`
            : []
        const claims: ClaimedEmail[] = []
        let failed = 0
        for (const row of [...expired, ...pending]) {
          if (row.status === 'sending' && row.attempts >= maxAttempts) {
            // Its last allowed attempt was cut off (the process died): no attempts are left.
            await tx`
              UPDATE emails SET status = 'failed', last_error = ${`attempt ${row.attempts} was interrupted (the worker stopped) and no attempts remain`},
                sent_at = NULL, next_attempt_at = NULL, lease_until = NULL, text_body = NULL, html_body = NULL
              WHERE id = ${row.id} AND status = 'sending' AND lease_until = ${row.lease_until}`
            failed++
            continue
          }
          await tx`UPDATE emails SET status = 'sending', attempts = attempts + 1, lease_until = ${lease} WHERE id = ${row.id}`
          claims.push({ id: row.id, to: row.to, subject: row.subject, text: row.text, html: row.html, attempt: row.attempts + 1, lease })
        }
        return { claims, failed }
      })
    },

    async record(claim: ClaimedEmail, outcome: AttemptResult, now: string): Promise<boolean> {
      if (outcome.result === 'retry') {
        const rows = await sql`
          UPDATE emails SET status = 'pending', last_error = ${outcome.error}, next_attempt_at = ${outcome.nextAttemptAt}, lease_until = NULL
          WHERE id = ${claim.id} AND status = 'sending' AND lease_until = ${claim.lease} RETURNING id`
        return rows.length === 1
      }
      const status: EmailStatus = outcome.result
      const error = outcome.result === 'failed' ? outcome.error : null
      const sentAt = outcome.result === 'sent' ? now : null
      // A terminal message keeps its metadata for admins; its bodies (one-time links) are erased.
      const rows = await sql`
        UPDATE emails SET status = ${status}, last_error = ${error}, sent_at = ${sentAt},
          next_attempt_at = NULL, lease_until = NULL, text_body = NULL, html_body = NULL
        WHERE id = ${claim.id} AND status = 'sending' AND lease_until = ${claim.lease} RETURNING id`
      return rows.length === 1
    },
  }
}
