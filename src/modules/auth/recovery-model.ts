import { t } from 'elysia'
import { chars } from '../../lib/schema.ts'
import { Email, Password } from '../users/model.ts'

/** A one-time token from an emailed link (43 base64url characters; anything else is simply invalid). */
const OneTimeToken = chars(1, 512, { description: 'The token from the emailed link' })

export const PasswordResetBody = t.Object({ email: Email }, { title: 'PasswordResetRequest' })
export const PasswordResetConfirmBody = t.Object({ token: OneTimeToken, new_password: Password }, { title: 'PasswordResetConfirm' })
export const VerifyEmailBody = t.Object({ token: OneTimeToken }, { title: 'EmailVerification' })

export const Accepted = t.Object({}, { description: 'Accepted: if an email is due, it is queued' })
export const NoContent = t.Void({ description: 'Done' })
