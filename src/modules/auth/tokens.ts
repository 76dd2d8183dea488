import type { AppContext } from '../../context.ts'
import { users } from '../../db/schema.ts'
import { ProtocolError } from '../../lib/errors.ts'
import { logSecurityEvent } from '../../lib/security-log.ts'

/**
 * RFC 6749 §5.2 errors of the token endpoint. They are protocol vocabulary, not HTTP: the route
 * turns them into `{ error, error_description }` bodies.
 */
export class OAuthError extends ProtocolError {
  readonly status = 400
  constructor(
    readonly error: 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description)
  }
  body() {
    return { error: this.error, error_description: this.description }
  }
}

/** What the token endpoints answer to a body that does not parse or validate. */
export const malformedTokenRequest = () => new OAuthError('invalid_request', 'The request parameters are malformed.')

export interface TokenResponse {
  access_token: string
  token_type: 'bearer'
  expires_in: number
  refresh_token: string
}

type UserRow = typeof users.$inferSelect

const sha256 = (value: string) => new Bun.CryptoHasher('sha256').update(value).digest('hex')

/**
 * Access tokens (JWT, HS256) and refresh tokens (opaque, stored as SHA-256, rotated on every use;
 * presenting an already-rotated token revokes its whole family, per the OAuth 2.0 Security BCP).
 */
export function createTokenService(ctx: AppContext) {
  const { sqlite, clock, config, jwt } = ctx
  const findRefresh = sqlite.prepare<
    { id: string; user_id: string; family_id: string; expires_at: string; rotated_at: string | null; revoked_at: string | null },
    [string]
  >('SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at FROM refresh_tokens WHERE token_hash = ?')
  const insertRefresh = sqlite.prepare<void, [string, string, string, string, string, string]>(
    'INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const markRotated = sqlite.prepare<void, [string, string]>('UPDATE refresh_tokens SET rotated_at = ? WHERE id = ? AND rotated_at IS NULL')
  const revokeFamily = sqlite.prepare<void, [string, string]>(
    'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
  )
  const pruneExpired = sqlite.prepare<void, [string, string]>('DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at <= ?')
  const findUser = sqlite.prepare<{ id: string; role: 'user' | 'admin'; active: number; token_version: number }, [string]>(
    'SELECT id, role, active, token_version FROM users WHERE id = ?',
  )

  /** `sid` names the refresh-token family, so a password change can keep the caller's session (see http/auth.ts). */
  async function accessToken(user: { id: string; role: string; tokenVersion: number }, familyId: string) {
    const now = Math.floor(clock.now().getTime() / 1000)
    const expiresIn = Math.floor(config.ACCESS_TOKEN_TTL / 1000)
    const token = await jwt.sign({
      sub: user.id,
      role: user.role,
      ver: user.tokenVersion,
      sid: familyId,
      jti: Bun.randomUUIDv7(),
      exp: now + expiresIn,
    })
    return { token, expiresIn }
  }

  function mintRefresh(userId: string, familyId: string): string {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
    const now = clock.now()
    insertRefresh.run(
      Bun.randomUUIDv7(),
      userId,
      familyId,
      sha256(token),
      new Date(now.getTime() + config.REFRESH_TOKEN_TTL).toISOString(),
      now.toISOString(),
    )
    return token
  }

  async function respond(user: { id: string; role: string; tokenVersion: number }, familyId: string, refreshToken: string): Promise<TokenResponse> {
    const { token, expiresIn } = await accessToken(user, familyId)
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn, refresh_token: refreshToken }
  }

  return {
    /** A new session (a new refresh-token family) for a user who just proved their password. */
    issue(user: Pick<UserRow, 'id' | 'role' | 'tokenVersion'>): Promise<TokenResponse> {
      // Each login starts a family; the user's expired tokens go now, so the table stays bounded.
      pruneExpired.run(user.id, clock.now().toISOString())
      const familyId = Bun.randomUUIDv7()
      return respond(user, familyId, mintRefresh(user.id, familyId))
    },

    /** Rotates a refresh token. The check and the rotation are one transaction, so of two concurrent uses one wins. */
    refresh(presented: string, requestId?: string): Promise<TokenResponse> {
      const now = clock.now().toISOString()
      const outcome = sqlite
        .transaction(() => {
          const row = findRefresh.get(sha256(presented))
          if (!row || row.revoked_at) return { error: 'The refresh token is invalid or has been revoked.' }
          if (row.rotated_at) {
            // Reuse of a rotated token means it leaked: end the whole family.
            revokeFamily.run(now, row.family_id)
            return { error: 'The refresh token has already been used; its session is revoked.', reused: row }
          }
          if (row.expires_at <= now) return { error: 'The refresh token has expired.' }
          const user = findUser.get(row.user_id)
          if (!user || user.active !== 1) return { error: 'The account is inactive.' }
          markRotated.run(now, row.id)
          return {
            user: { id: user.id, role: user.role, tokenVersion: user.token_version },
            familyId: row.family_id,
            next: mintRefresh(user.id, row.family_id),
          }
        })
        .immediate()
      if ('error' in outcome) {
        if (outcome.reused) {
          logSecurityEvent(
            ctx.logger,
            'refresh_token_reuse',
            { request_id: requestId, user_id: outcome.reused.user_id, family_id: outcome.reused.family_id },
            'a rotated refresh token was presented again; its family is revoked',
          )
        }
        return Promise.reject(new OAuthError('invalid_grant', outcome.error!))
      }
      return respond(outcome.user, outcome.familyId, outcome.next)
    },

    /** RFC 7009: revokes a refresh token and its rotation family; unknown tokens are ignored. */
    revoke(presented: string) {
      const row = findRefresh.get(sha256(presented))
      if (row) revokeFamily.run(clock.now().toISOString(), row.family_id)
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
