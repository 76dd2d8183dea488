/** The tokens of a signed-in admin. Kept in sessionStorage (never a cookie): no CSRF surface. */
export interface Session {
  accessToken: string
  refreshToken: string
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number
  email: string
}

/** The part of Storage the session needs (sessionStorage in the page). */
export interface SessionStorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

const KEY = 'kiosk.dashboard.session'

export function loadSession(storage: SessionStorageLike): Session | undefined {
  try {
    const raw = storage.getItem(KEY)
    const parsed = raw ? (JSON.parse(raw) as Session) : undefined
    return parsed && typeof parsed.accessToken === 'string' && typeof parsed.refreshToken === 'string' ? parsed : undefined
  } catch {
    return undefined
  }
}

export function saveSession(storage: SessionStorageLike, session: Session | undefined) {
  if (session) storage.setItem(KEY, JSON.stringify(session))
  else storage.removeItem(KEY)
}

/** A token response of POST /token, turned into a session. */
export function sessionFrom(body: { access_token: string; refresh_token: string; expires_in: number }, email: string, now: number): Session {
  return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: now + body.expires_in * 1000, email }
}
