import { Elysia } from 'elysia'
import { clientAddress } from '../../http/client-address.ts'
import { problemResponses } from '../../http/problem.ts'
import { requestState } from '../../http/request-state.ts'
import { RegisterBody, User } from '../users/model.ts'
import { RevokeBody, Revoked, TokenBody, TokenError, TokenSuccess } from './model.ts'
import { callerOf } from './caller.ts'
import type { AuthService } from './service.ts'
import { OAuthError, type TokenService } from './tokens.ts'

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** Routes whose malformed requests are RFC 6749 `invalid_request` errors, not problems (see src/http/problem.ts). */
export const OAUTH_ROUTES = ['/token', '/token/revoke']

/** POST /auth/register, POST /token (RFC 6749), POST /token/revoke (RFC 7009). */
export function authModule(services: { authService: AuthService; tokens: TokenService; trustProxy: boolean }) {
  const { authService: auth, tokens, trustProxy } = services
  const caller = (request: Request, server: Parameters<typeof clientAddress>[1]) => callerOf(request, server, trustProxy)

  return new Elysia({ tags: ['Identity'] })
    .post(
      '/auth/register',
      async ({ body, request, server, status, set }) => {
        const user = await auth.register(body, caller(request, server))
        set.headers.location = `/users/me`
        return status(201, user)
      },
      {
        body: RegisterBody,
        response: { 201: User, ...problemResponses(403, 409, 429) },
        detail: {
          summary: 'Create an account',
          description: 'Anyone may register (403 when SIGNUP_ENABLED=false); the role is always `user`. The email is lower-cased. Rate limited per client address (429). When email is configured (SMTP_URL), a verification email is queued in the same transaction (`email_verified` is false until its link is used).',
        },
      },
    )
    .post(
      '/token',
      async ({ body, request, server, set }) => {
        Object.assign(set.headers, NO_STORE)
        const grant = body.grant_type ?? 'password'
        const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined)
        if (grant === 'password') {
          const username = text(body.username)
          const password = text(body.password)
          if (!username || !password) throw new OAuthError('invalid_request', 'username and password are required.')
          return auth.login(username, password, caller(request, server))
        }
        if (grant === 'refresh_token') {
          const refreshToken = text(body.refresh_token)
          if (!refreshToken) throw new OAuthError('invalid_request', 'refresh_token is required.')
          return tokens.refresh(refreshToken, requestState(request).requestId)
        }
        throw new OAuthError('unsupported_grant_type', 'Supported grant types: password, refresh_token.')
      },
      {
        body: TokenBody,
        response: { 200: TokenSuccess, 400: TokenError, ...problemResponses(429) },
        detail: {
          'x-form-or-json': true,
          summary: 'OAuth2 token endpoint',
          description:
            'RFC 6749 token endpoint, form-encoded or JSON. `grant_type=password` (the default) with `username` (the email) and `password`, or `grant_type=refresh_token` with `refresh_token`. Refresh tokens rotate on every use; presenting a rotated one revokes its whole family. Errors are RFC 6749 §5.2 bodies. Failed logins are rate limited per account and client address, per address, and per account from addresses it has not logged in from (429 problem with Retry-After).',
        },
      },
    )
    .post(
      '/token/revoke',
      async ({ body, set }) => {
        Object.assign(set.headers, NO_STORE)
        if (typeof body.token === 'string' && body.token) await tokens.revoke(body.token)
        return {}
      },
      {
        body: RevokeBody,
        response: { 200: Revoked, 400: TokenError },
        detail: {
          'x-form-or-json': true,
          summary: 'Revoke a refresh token (RFC 7009)',
          description: 'Revokes the refresh token and every token rotated from the same login. Answers 200 even for an unknown token.',
        },
      },
    )
}

