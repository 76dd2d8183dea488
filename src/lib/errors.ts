/*
 * Domain errors: what services throw. They know nothing of HTTP; src/http/problem.ts maps each
 * class to a status and an RFC 9457 problem document.
 */

export interface FieldError {
  path: string
  message: string
  [extra: string]: unknown
}

export abstract class DomainError extends Error {
  constructor(
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** The thing does not exist, or the caller may not know that it does. */
export class NotFoundError extends DomainError {}
/** A duplicate, an invalid state transition, or a race lost. */
export class ConflictError extends DomainError {}
/** The request is well-formed but breaks a rule about its content. */
export class ValidationFailedError extends DomainError {}
/** Authenticated, but not allowed. */
export class ForbiddenError extends DomainError {}
/** No credentials, or bad ones. `challenge` becomes the WWW-Authenticate header. */
export class UnauthorizedError extends DomainError {
  constructor(
    message: string,
    readonly challenge = 'Bearer realm="kiosk"',
  ) {
    super(message)
  }
}
export class BadRequestError extends DomainError {}
/** A feature this server is not configured for (email without SMTP_URL). */
export class ServiceUnavailableError extends DomainError {}
export class PayloadTooLargeError extends DomainError {}
export class UnsupportedMediaTypeError extends DomainError {}
export class TooManyRequestsError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message)
  }
}
/** Not enough stock for one or more order lines; `errors` names each short line. */
export class InsufficientStockError extends ConflictError {}

/**
 * An error whose wire format a protocol fixes (the token endpoint's RFC 6749 §5.2 bodies), so it
 * is answered as `body` with `status`, not as a problem document.
 */
export abstract class ProtocolError extends Error {
  abstract readonly status: number
  abstract body(): Record<string, string>
}
