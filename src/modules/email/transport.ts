import type { Transporter } from 'nodemailer'

/** One outgoing message as the transport sends it. */
export interface OutgoingMail {
  id: string
  to: string
  subject: string
  text: string
  html: string
}

export type SendOutcome = { result: 'sent' } | { result: 'retry' | 'failed'; error: string }

export interface MailTransport {
  send(mail: OutgoingMail): Promise<SendOutcome>
  close(): void
}

/** Bounds of one attempt, so a silent server can't hold a message past its lease. */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }

interface SmtpError extends Error {
  code?: string
  responseCode?: number
  command?: string
}

/**
 * SMTP through nodemailer, from `SMTP_URL`: `smtp://` upgrades with STARTTLS whenever the server
 * offers it, `smtps://` is TLS from the first byte. One connection per message (no pool), so a
 * server that went away costs one failed attempt, never a stuck pool.
 */
export function createSmtpTransport(url: string, from: string): MailTransport {
  // Loaded on the first message, so a server without email (or before any is due) never pays for nodemailer at start-up.
  let transporter: Promise<Transporter> | undefined
  const connect = () => (transporter ??= import('nodemailer').then((nodemailer) => nodemailer.default.createTransport({ url, ...SMTP_TIMEOUTS })))
  const messageDomain = (() => {
    const match = /@([^>\s]+)>?\s*$/.exec(from)
    return match ? match[1] : 'kiosk.invalid'
  })()
  return {
    async send(mail) {
      try {
        await (await connect()).sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          // Stable per message: delivery is at least once, and receivers can de-duplicate on it.
          messageId: `<${mail.id}@${messageDomain}>`,
        })
        return { result: 'sent' }
      } catch (error) {
        const smtp = error as SmtpError
        const text = `${smtp.code ?? 'error'}${smtp.responseCode ? ` ${smtp.responseCode}` : ''}: ${smtp.message}`
        // A recipient the server refuses for good will never be accepted: fail at once. Anything
        // else (refused connections, timeouts, 4xx, auth trouble an admin can fix) is retried.
        const permanent = smtp.responseCode !== undefined && smtp.responseCode >= 500 && smtp.command === 'RCPT TO'
        return { result: permanent ? 'failed' : 'retry', error: text }
      }
    },
    close: () => void transporter?.then((open) => open.close()),
  }
}
