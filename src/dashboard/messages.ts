import { ApiError, NotAdminError } from './api.ts'

/** What to say about a failed call, in words an operator can act on. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429) return `Too many requests: try again in ${error.retryAfter ?? 'a few'} seconds.`
    return error.message
  }
  return error instanceof Error ? error.message : String(error)
}

/** What a failed sign-in means, for the person at the keyboard. */
export function signInMessage(error: unknown): string {
  if (error instanceof NotAdminError) return 'Admins only: this account is a user account. Ask an administrator for access.'
  if (error instanceof ApiError && error.status === 429)
    return `Too many sign-in attempts. Try again in ${error.retryAfter ?? 'a few'} seconds.`
  if (error instanceof ApiError && error.problem.title === 'invalid_grant') return 'Wrong email or password.'
  return describeError(error)
}

/** The 409 that keeps one active admin, said in words: what happened and what to do. */
export function userChangeMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 409 && /administrator/i.test(error.message))
    return 'Refused: this is the last active administrator. Kiosk always keeps one, so make another account an admin first.'
  return describeError(error)
}

