import { Elysia } from 'elysia'
import type { AppContext } from '../context.ts'
import type { Role } from '../db/schema.ts'
import { cachedLoad, cacheKeys } from '../lib/cache.ts'
import { ForbiddenError, UnauthorizedError } from '../lib/errors.ts'
import type { UserAuthFacts, UserStore } from '../modules/users/store.ts'
import { createHs256Verifier } from '../lib/hs256.ts'
import { requestState } from './request-state.ts'

/** The authenticated caller, as handlers see it. */
export interface CurrentUser {
  id: string
  role: Role
  /** The refresh-token family (login session) the access token belongs to; absent on tokens minted without one. */
  sessionId?: string
}

/**
 * Claims of a Kiosk access token. `ver` is the user's token version when it was issued; `sid` the
 * refresh-token family (the login session) it was issued with.
 */
export interface AccessClaims {
  sub: string
  role: Role
  ver: number
  sid?: string
  jti: string
  iat: number
  exp: number
}

const invalid = (description: string) =>
  new UnauthorizedError(
    'The access token is invalid or has expired.',
    `Bearer realm="kiosk", error="invalid_token", error_description="${description}"`,
  )

const AUTH_FACTS_TTL_MS = 30_000

/** OpenAPI extension naming the role a route requires (read back by the body reader's auth gate). */
export const REQUIRED_ROLE = 'x-required-role'

/** OpenAPI security requirement of every protected route: a bearer token from the password flow. */
export const SECURED: Record<string, string[]>[] = [{ bearer: [] }, { oauth2: [] }]

/** The OpenAPI security of a route with an optional token, as the `optionalAuth` macro documents it. */
export const OPTIONALLY_SECURED: Record<string, string[]>[] = [...SECURED, {}]

export function createAuthenticator(store: Pick<UserStore, 'authFacts' | 'isSessionLive'>, ctx: Pick<AppContext, 'cache' | 'clock' | 'metrics' | 'config'>) {
  const { cache, clock, metrics } = ctx
  // Synchronous HS256 verification instead of jose's async one: see src/lib/hs256.ts.
  const tokens = createHs256Verifier(ctx.config.JWT_SECRET)

  /**
   * The user's role, active flag and token version (what a token is checked against): one cached
   * lookup, not a query per request, invalidated by every change to the user: by this process's
   * writers at once, and by another process's (kiosk create-admin, other workers) through the cache
   * change log before the next request (src/http/coherence.ts). The short lifetime is a backstop.
   */
  function userFacts(id: string): Promise<UserAuthFacts | undefined> {
    return cachedLoad(cache, metrics, 'user-auth', cacheKeys.userAuth(id), () => store.authFacts(id), {
      ttl: Math.min(ctx.config.CACHE_TTL, AUTH_FACTS_TTL_MS),
    })
  }

  async function verify(request: Request): Promise<CurrentUser> {
    const header = request.headers.get('authorization')
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null
    if (!match) throw new UnauthorizedError('A bearer access token is required.')
    // exp and nbf are judged by the context's clock. iat is judged by the wall clock, as
    // @elysiajs/jwt stamps it from the wall clock (never the context's): a token "issued" in the
    // future beyond the skew is forged or from a host whose clock is wrong, and would outlive its TTL.
    const result = tokens.verify(match[1]!, { now: clock.now(), wallNowMs: Date.now(), iatSkewMs: ctx.config.TOKEN_CLOCK_SKEW })
    if (!result.ok && result.failure === 'issued_in_future') throw invalid('the token was issued in the future')
    const claims = result.ok ? (result.claims as Partial<AccessClaims>) : undefined
    if (!claims || typeof claims.sub !== 'string' || typeof claims.ver !== 'number') {
      throw invalid('signature, algorithm or expiry is wrong')
    }
    const facts = await userFacts(claims.sub)
    if (!facts || !facts.active) throw invalid('the token has been revoked')
    const sessionId = typeof claims.sid === 'string' ? claims.sid : undefined
    // A version bump revokes every refresh-token family it means to end (every path that bumps it does:
    // role, deactivation, password); a password change keeps the caller's family, and with it the
    // access tokens of that session. Only stale tokens pay this indexed lookup.
    if (facts.tokenVersion !== claims.ver && !(sessionId && (await store.isSessionLive(sessionId, facts.id, clock.now().toISOString())))) {
      throw invalid('the token has been revoked')
    }
    requestState(request).userId = facts.id
    return { id: facts.id, role: facts.role, ...(sessionId ? { sessionId } : {}) }
  }

  // One verification per request, however many hooks ask (parse, transform, resolve).
  const verified = new WeakMap<Request, Promise<CurrentUser>>()
  const authenticate = (request: Request): Promise<CurrentUser> => {
    let pending = verified.get(request)
    if (!pending) {
      pending = verify(request)
      verified.set(request, pending)
    }
    return pending
  }

  async function authorize(request: Request, need: Role): Promise<CurrentUser> {
    const user = await authenticate(request)
    if (need === 'admin' && user.role !== 'admin') throw new ForbiddenError('This route is for administrators.')
    return user
  }

  return { authenticate, authorize, userFacts }
}

export type Authenticator = ReturnType<typeof createAuthenticator>

/**
 * Route guards as macros: `{ auth: 'user' }`, `{ auth: 'admin' }` and `{ optionalAuth: true }`.
 * The check runs in the parse and transform hooks, before the body is parsed or validated, so
 * an anonymous caller gets 401 whatever the body (and learns nothing of the schema); `resolve`
 * then hands the handler `user`.
 */
export function authPlugin(authenticator: Authenticator) {
  const { authenticate, authorize } = authenticator
  const plugin = new Elysia({ name: 'kiosk/auth' }).macro({
    auth: (need: Role) => ({
      detail: { security: SECURED, [REQUIRED_ROLE]: need },
      async parse({ request }) {
        await authorize(request, need)
      },
      async transform({ request }) {
        await authorize(request, need)
      },
      async resolve({ request }) {
        return { user: await authorize(request, need) }
      },
    }),
    /** Anonymous is fine; a token that is sent must be valid. */
    optionalAuth: {
      detail: { security: OPTIONALLY_SECURED },
      async transform({ request }) {
        if (request.headers.has('authorization')) await authenticate(request)
      },
      async resolve({ request }) {
        return { user: request.headers.has('authorization') ? await authenticate(request) : null }
      },
    },
  })
  // For a hot route that checks an optional token in its handler instead (see optionalUser).
  return Object.assign(plugin, { authenticator })
}

/**
 * What `optionalAuth` gives a handler (the caller, or null when no token was sent; a token that is
 * sent must be valid), for a handler to call itself: an anonymous request then awaits nothing for it,
 * where the macro's transform and resolve are two async hooks that Elysia awaits on every request
 * (~0.6 µs of the cached product read). Only for routes whose other inputs can't fail validation
 * first (the macro's transform answers 401 before validation does).
 */
export function optionalUser(authenticator: Authenticator, request: Request): Promise<CurrentUser> | null {
  return request.headers.has('authorization') ? authenticator.authenticate(request) : null
}
