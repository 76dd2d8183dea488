import { describeMinutes, htmlBody, type ComposedEmail } from './layout.ts'

/** Proves an address: a new account's, or the new address of an email change. */
export function verifyEmail(values: { name: string; link: string; ttlMs: number; change: boolean }): ComposedEmail {
  const valid = describeMinutes(values.ttlMs)
  const lines = [
    `Hello ${values.name},`,
    values.change
      ? `Please confirm that this is the new email address of your account. Until you do, your account keeps its old address. The link below works once, for ${valid}.`
      : `Please confirm your email address. The link below works once, for ${valid}.`,
    'If you did not ask for this, ignore this email.',
  ]
  return {
    template: values.change ? 'change_email' : 'verify_email',
    subject: values.change ? 'Confirm your new email address' : 'Confirm your email address',
    text: `${lines[0]}\n\n${lines[1]}\n\n${values.link}\n\n${lines[2]}\n`,
    html: htmlBody({ heading: 'Confirm your email address', paragraphs: lines, link: { href: values.link, label: 'Confirm this address' } }),
  }
}
