/**
 * A write refused by a UNIQUE constraint, in a form that names no driver: what a PostgreSQL store
 * throws for a violation the service maps to a 409, so isUniqueViolation (src/db/errors.ts)
 * answers alike on both dialects. The driver's error stays as `cause`.
 */
export class UniqueViolationError extends Error {
  constructor(
    /** The constraint (or unique index) that refused the write. */
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`UNIQUE constraint ${constraint} refused the write`, options)
    this.name = 'UniqueViolationError'
  }
}
