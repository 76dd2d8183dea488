import { Elysia } from 'elysia'
import type { authPlugin } from '../../http/auth.ts'
import { clientAddress } from '../../http/client-address.ts'
import { problemResponses } from '../../http/problem.ts'
import { Accepted, NoContent, PasswordResetBody, PasswordResetConfirmBody, VerifyEmailBody } from './recovery-model.ts'
import type { RecoveryService } from './recovery.ts'

const NOT_CONFIGURED = '503 problem "email delivery is not configured" when SMTP_URL is not set.'

/** POST /auth/password-reset(/confirm), POST /auth/verify-email(/resend). */
export function recoveryRoutes(services: { recovery: RecoveryService; trustProxy: boolean }, auth: ReturnType<typeof authPlugin>) {
  const { recovery, trustProxy } = services
  return new Elysia({ prefix: '/auth', tags: ['Identity'] })
    .use(auth)
    .post(
      '/password-reset',
      async ({ body, request, server, status }) => {
        await recovery.requestPasswordReset(body.email, clientAddress(request, server, trustProxy))
        return status(202, {})
      },
      {
        body: PasswordResetBody,
        response: { 202: Accepted, ...problemResponses(429, 503) },
        detail: {
          summary: 'Ask for a password reset email',
          description: `202 whether or not an account has that email, after the same work and no sooner than 50 ms after the request arrived (no account enumeration by content or timing). An active account gets an email with a link to \`PUBLIC_URL/reset-password?token=…\`: the token has 256 random bits, is stored only as its SHA-256, works once and for PASSWORD_RESET_TTL (default 30 min); a newer request invalidates older tokens. Rate limited per client address (10 an hour) and per email (3 an hour): 429 with Retry-After. ${NOT_CONFIGURED}`,
        },
      },
    )
    .post(
      '/password-reset/confirm',
      async ({ body, request, server, status }) => {
        await recovery.confirmPasswordReset(body.token, body.new_password, clientAddress(request, server, trustProxy))
        return status(204, undefined)
      },
      {
        body: PasswordResetConfirmBody,
        response: { 204: NoContent, ...problemResponses(400, 503) },
        detail: {
          summary: 'Set a new password with an emailed token',
          description: `204: the password is changed (and the account's failed-login limit cleared), every session of the user is revoked (outstanding access tokens and every refresh-token family) and a "your password was changed" email is queued. An unknown, used or expired token is one 400 problem ("The reset token is invalid or has expired."). ${NOT_CONFIGURED}`,
        },
      },
    )
    .post(
      '/verify-email',
      async ({ body, status }) => {
        await recovery.verifyEmail(body.token)
        return status(204, undefined)
      },
      {
        body: VerifyEmailBody,
        response: { 204: NoContent, ...problemResponses(400, 409, 503) },
        detail: {
          summary: 'Confirm an email address with an emailed token',
          description: `204: the address the token was sent to is verified (\`email_verified: true\`). For a link sent after an email change (PATCH /users/me), the new address becomes the account's email now. Tokens work once, for EMAIL_VERIFY_TTL (default 2 days); an unknown, used or expired token, or one for an address the account no longer has, is 400. 409 when the new address was registered by another account meanwhile. ${NOT_CONFIGURED}`,
        },
      },
    )
    .post(
      '/verify-email/resend',
      async ({ user, status }) => {
        await recovery.resendVerification(user.id)
        return status(202, {})
      },
      {
        auth: 'user',
        response: { 202: Accepted, ...problemResponses(429, 503) },
        detail: {
          summary: 'Send the verification email again',
          description: `202: a new link to the caller's current address (older ones stop working); nothing is sent when it is already verified. Rate limited to 3 an hour per user (429 with Retry-After). ${NOT_CONFIGURED}`,
        },
      },
    )
}
