import type { Problem } from './problems.ts'
import { loadSession, saveSession, sessionFrom, type Session, type SessionStorageLike } from './session.ts'

/** A non-2xx answer of the API, with its problem document (or RFC 6749 error body). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfter: number | undefined,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`)
  }
}

/** Signing in worked, but the account is not an administrator. */
export class NotAdminError extends Error {
  constructor() {
    super('This dashboard is for administrators only. Your account is a user account.')
  }
}

export interface ApiOptions {
  fetch: (input: string, init?: RequestInit) => Promise<Response>
  storage: SessionStorageLike
  now?: () => number
  /** Called when the session ends (logout, or a refresh the API refused). */
  onSignedOut?: () => void
}

type TokenBody = { access_token: string; refresh_token: string; expires_in: number }

/** Refresh this long before the access token expires, so a request never races its expiry. */
const REFRESH_MARGIN_MS = 30_000

async function errorOf(response: Response): Promise<ApiError> {
  let problem: Problem = { status: response.status, title: response.statusText }
  try {
    const body = (await response.json()) as any
    // The token endpoint answers RFC 6749 bodies ({error, error_description}), not problems.
    problem = typeof body?.error === 'string' ? { status: response.status, title: body.error, detail: body.error_description } : { ...body, status: response.status }
  } catch {}
  const retry = Number(response.headers.get('retry-after'))
  return new ApiError(response.status, problem, Number.isFinite(retry) && retry > 0 ? retry : undefined)
}

/**
 * The dashboard's only way to the API: bearer tokens from the password flow, refreshed before
 * they expire and once more on a 401. Refresh tokens rotate and a reused one revokes its whole
 * family, so concurrent requests share one refresh instead of each spending the token.
 */
export function createApi(options: ApiOptions) {
  const now = options.now ?? Date.now
  let session = loadSession(options.storage)
  let refreshing: Promise<Session | undefined> | undefined

  const setSession = (next: Session | undefined) => {
    session = next
    saveSession(options.storage, next)
  }

  async function tokenRequest(body: Record<string, string>): Promise<Response> {
    return options.fetch('/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  }

  function refresh(): Promise<Session | undefined> {
    const current = session
    if (!current) return Promise.resolve(undefined)
    refreshing ??= (async () => {
      try {
        const response = await tokenRequest({ grant_type: 'refresh_token', refresh_token: current.refreshToken })
        if (!response.ok) {
          setSession(undefined)
          options.onSignedOut?.()
          return undefined
        }
        setSession(sessionFrom((await response.json()) as TokenBody, current.email, now()))
        return session
      } finally {
        refreshing = undefined
      }
    })()
    return refreshing
  }

  async function validSession(): Promise<Session | undefined> {
    if (refreshing) return refreshing
    if (session && session.expiresAt - now() < REFRESH_MARGIN_MS) return refresh()
    return session
  }

  /** A request with the bearer token; returns the Response (2xx) or throws ApiError. */
  async function raw(path: string, init: RequestInit = {}): Promise<Response> {
    const send = (current: Session | undefined) => {
      const headers = new Headers(init.headers)
      if (current) headers.set('authorization', `Bearer ${current.accessToken}`)
      return options.fetch(path, { ...init, headers })
    }
    const used = await validSession()
    let response = await send(used)
    if (response.status === 401 && used) {
      // Another tab or a restart may have made the token stale: one refresh, one retry.
      const renewed = session && session.accessToken !== used.accessToken ? session : await refresh()
      if (renewed) response = await send(renewed)
    }
    if (!response.ok) throw await errorOf(response)
    return response
  }

  async function json<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
    const { json: body, ...rest } = init
    const request = body === undefined ? rest : { ...rest, body: JSON.stringify(body), headers: { ...(rest.headers as Record<string, string>), 'content-type': 'application/json' } }
    const response = await raw(path, request)
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  return {
    get session() {
      return session
    },
    /** Password flow; only admins get a session (a user's fresh refresh token is revoked again). */
    async signIn(email: string, password: string): Promise<Session> {
      const response = await tokenRequest({ grant_type: 'password', username: email, password })
      if (!response.ok) throw await errorOf(response)
      const fresh = sessionFrom((await response.json()) as TokenBody, email, now())
      const me = await options.fetch('/users/me', { headers: { authorization: `Bearer ${fresh.accessToken}` } })
      if (!me.ok) throw await errorOf(me)
      if (((await me.json()) as { role?: string }).role !== 'admin') {
        await options.fetch('/token/revoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: fresh.refreshToken }) })
        throw new NotAdminError()
      }
      setSession(fresh)
      return fresh
    },
    /** Revokes the refresh token (and its family), then forgets the session. */
    async signOut() {
      const current = session
      setSession(undefined)
      if (current) {
        await options
          .fetch('/token/revoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: current.refreshToken }) })
          .catch(() => undefined)
      }
      options.onSignedOut?.()
    },
    refresh,
    raw,
    json,
  }
}

export type Api = ReturnType<typeof createApi>
