import { htmlBody, type ComposedEmail } from './layout.ts'

/** Sent after a password reset: the owner hears of it even if someone else did it. */
export function passwordChangedEmail(values: { name: string }): ComposedEmail {
  const lines = [
    `Hello ${values.name},`,
    'The password of your account was just changed, and every session signed in to it was ended.',
    'If this was not you, reset your password at once and contact us.',
  ]
  return {
    template: 'password_changed',
    subject: 'Your password was changed',
    text: `${lines.join('\n\n')}\n`,
    html: htmlBody({ heading: 'Your password was changed', paragraphs: lines }),
  }
}
