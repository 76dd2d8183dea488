import { t } from 'elysia'
import { JsonInt } from '../../lib/schema.ts'

/** Token endpoint parameters (RFC 6749 §4.3 and §6), form-encoded or JSON. Checked by the handler, so errors are RFC 6749 bodies. */
export const TokenBody = t.Object(
  {
    grant_type: t.Optional(t.String({ description: '`password` (default) or `refresh_token`', examples: ['password'] })),
    username: t.Optional(t.String({ description: 'The email, for grant_type=password' })),
    password: t.Optional(t.String({ description: 'For grant_type=password' })),
    refresh_token: t.Optional(t.String({ description: 'For grant_type=refresh_token' })),
    scope: t.Optional(t.String({ description: 'Ignored: Kiosk has no scopes' })),
    client_id: t.Optional(t.String({ description: 'Ignored: public clients' })),
  },
  { additionalProperties: true, title: 'TokenRequest' },
)

export const TokenSuccess = t.Object(
  {
    access_token: t.String({ description: 'JWT (HS256) for `Authorization: Bearer`' }),
    token_type: t.Literal('bearer'),
    expires_in: JsonInt({ description: 'Seconds until the access token expires' }),
    refresh_token: t.String({ description: 'Opaque; single use: each refresh returns a new one' }),
  },
  { title: 'Token', description: 'Tokens (RFC 6749 §5.1); sent with Cache-Control: no-store' },
)

export const TokenError = t.Object(
  {
    error: t.Union([t.Literal('invalid_request'), t.Literal('invalid_grant'), t.Literal('unsupported_grant_type')]),
    error_description: t.String(),
  },
  { title: 'TokenError', description: 'RFC 6749 §5.2 error (not a problem document)' },
)

export const RevokeBody = t.Object(
  {
    token: t.Optional(t.String({ description: 'The refresh token to revoke' })),
    token_type_hint: t.Optional(t.String({ description: 'Ignored' })),
  },
  { additionalProperties: true, title: 'TokenRevocation' },
)

export const Revoked = t.Object({}, { title: 'Revoked', description: 'Revoked, or unknown (RFC 7009 answers 200 either way)' })
