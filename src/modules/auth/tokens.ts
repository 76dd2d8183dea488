import type { AppContext } from '../../context.ts'
import type { UserRow, UserStore } from '../users/store.ts'
import { ProtocolError } from '../../lib/errors.ts'
import { logSecurityEvent } from '../../lib/security-log.ts'
import { hashOneTimeToken, newOneTimeToken } from './one-time-token.ts'

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


/**
 * Access tokens (JWT, HS256) and refresh tokens (opaque, stored as SHA-256, rotated on every use;
 * presenting an already-rotated token revokes its whole family, per the OAuth 2.0 Security BCP).
 */
export function createTokenService(store: UserStore, ctx: Pick<AppContext, 'clock' | 'config' | 'jwt' | 'logger'>) {
  const { clock, config, jwt } = ctx

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

  /** A new refresh token: the plain value for the client, the row (its hash) for the store. */
  function newRefresh(userId: string, familyId: string) {
    const token = newOneTimeToken()
    const now = clock.now()
    const row = {
      id: Bun.randomUUIDv7(),
      userId,
      familyId,
      tokenHash: hashOneTimeToken(token),
      expiresAt: new Date(now.getTime() + config.REFRESH_TOKEN_TTL).toISOString(),
      createdAt: now.toISOString(),
    }
    return { token, row }
  }

  async function respond(user: { id: string; role: string; tokenVersion: number }, familyId: string, refreshToken: string): Promise<TokenResponse> {
    const { token, expiresIn } = await accessToken(user, familyId)
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn, refresh_token: refreshToken }
  }

  return {
    /** A new session (a new refresh-token family) for a user who just proved their password. */
    async issue(user: Pick<UserRow, 'id' | 'role' | 'tokenVersion'>): Promise<TokenResponse> {
      // Each login starts a family; the user's expired tokens go now, so the table stays bounded.
      await store.pruneRefreshTokens(user.id, clock.now().toISOString())
      const familyId = Bun.randomUUIDv7()
      const { token, row } = newRefresh(user.id, familyId)
      await store.insertRefreshToken(row)
      return respond(user, familyId, token)
    },

    /** Rotates a refresh token. The check and the rotation are one transaction, so of two concurrent uses one wins. */
    async refresh(presented: string, requestId?: string): Promise<TokenResponse> {
      let next = ''
      const outcome = await store.rotateRefreshToken(hashOneTimeToken(presented), clock.now().toISOString(), (user) => {
        const minted = newRefresh(user.id, user.familyId)
        next = minted.token
        return minted.row
      })
      if ('error' in outcome) {
        if (outcome.reused) {
          logSecurityEvent(
            ctx.logger,
            'refresh_token_reuse',
            { request_id: requestId, user_id: outcome.reused.userId, family_id: outcome.reused.familyId },
            'a rotated refresh token was presented again; its family is revoked',
          )
        }
        throw new OAuthError('invalid_grant', outcome.error)
      }
      return respond(outcome.user, outcome.familyId, next)
    },

    /** RFC 7009: revokes a refresh token and its rotation family; unknown tokens are ignored. */
    revoke(presented: string): Promise<void> {
      return store.revokeRefreshFamily(hashOneTimeToken(presented), clock.now().toISOString())
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
