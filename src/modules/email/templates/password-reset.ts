import { describeMinutes, htmlBody, type ComposedEmail } from './layout.ts'

/** The one-time link that lets a user choose a new password. */
export function passwordResetEmail(values: { name: string; link: string; ttlMs: number }): ComposedEmail {
  const valid = describeMinutes(values.ttlMs)
  const lines = [
    `Hello ${values.name},`,
    `Someone (hopefully you) asked to reset the password of your account. The link below works once, for ${valid}.`,
    'If you did not ask for this, ignore this email: your password stays as it is.',
  ]
  return {
    template: 'password_reset',
    subject: 'Reset your password',
    text: `${lines[0]}\n\n${lines[1]}\n\n${values.link}\n\n${lines[2]}\n`,
    html: htmlBody({ heading: 'Reset your password', paragraphs: lines, link: { href: values.link, label: 'Choose a new password' } }),
  }
}
