import { Elysia } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { EmailListQuery, EmailPage } from './model.ts'
import type { EmailService } from './service.ts'

/** GET /admin/emails: what the mail outbox holds and how each message fared. */
export function emailModule(services: { mail: EmailService }, auth: ReturnType<typeof authPlugin>) {
  const { mail } = services
  return new Elysia({ prefix: '/admin/emails', tags: ['Email'] })
    .use(auth)
    .get('', ({ query }) => mail.list(query), {
      auth: 'admin',
      query: EmailListQuery,
      response: { 200: EmailPage },
      detail: {
        summary: 'List outgoing emails',
        description:
          'Newest first, cursor pages: recipient, subject, template, status, attempts, last error. Never a token or a body (bodies are erased once a message is sent or failed). A failed attempt is retried with exponential backoff and full jitter (1 s..min(1 h, 5 s × 2^(n−1))) up to EMAIL_MAX_ATTEMPTS; a recipient the SMTP server refuses with a 5xx fails at once.',
      },
    })
}
