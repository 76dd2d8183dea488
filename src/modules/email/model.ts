import { t } from 'elysia'
import { emailStatuses } from '../../db/schema.ts'
import { Id, JsonInt, Page, PageQuery, Timestamp } from '../../lib/schema.ts'

/** One outgoing message as admins see it: never its body (it carries one-time links). */
export const EmailMessage = t.Object(
  {
    id: Id,
    to: t.String({ description: 'Recipient address' }),
    subject: t.String(),
    template: t.String({ description: 'password_reset, password_changed, verify_email or change_email' }),
    status: t.UnionEnum([...emailStatuses], {
      description: 'pending (waiting for its next attempt), sending (an attempt in flight), sent (the SMTP server accepted it), failed (final)',
    }),
    attempts: JsonInt({ minimum: 0, description: 'Attempts started so far' }),
    last_error: t.Union([t.String(), t.Null()], { description: 'Why the last attempt failed (at most 500 characters); null when none failed' }),
    created_at: Timestamp,
    sent_at: t.Union([Timestamp, t.Null()], { description: 'When the SMTP server accepted it' }),
  },
  { title: 'EmailMessage', description: 'An outgoing email', additionalProperties: false },
)

export const EmailPage = Page(EmailMessage, 'EmailPage', 'A page of outgoing emails, newest first')
export const EmailListQuery = t.Object({ ...PageQuery })
