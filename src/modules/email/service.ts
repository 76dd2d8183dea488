import type { AppContext } from '../../context.ts'
import { ServiceUnavailableError } from '../../lib/errors.ts'
import type { EmailStore } from './store.ts'

/** What routes that need email answer when SMTP_URL is not set. */
export const emailNotConfigured = () => new ServiceUnavailableError('email delivery is not configured')

/** The outbox's face to the rest of the app: whether mail can go out, links, and the admin list. */
export function createEmailService(store: EmailStore, ctx: Pick<AppContext, 'config'>) {
  const { config } = ctx
  const configured = config.SMTP_URL !== undefined
  return {
    configured,
    /** Throws the 503 problem when there is no SMTP server to send through. */
    requireConfigured() {
      if (!configured) throw emailNotConfigured()
    },
    /** A link into the shop's front end carrying a one-time token. */
    link(path: string, token: string) {
      return `${config.PUBLIC_URL}${path}?token=${encodeURIComponent(token)}`
    },
    list: (query: { limit?: number; cursor?: string }) => store.list({ limit: query.limit ?? 20, cursor: query.cursor }),
  }
}

export type EmailService = ReturnType<typeof createEmailService>
