/**
 * True for a UNIQUE constraint violation, judged by the driver's error code (never by message
 * text), also when a query builder wrapped the driver's error as its `cause`.
 */
export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error &&
  ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (error.cause !== error && isUniqueViolation(error.cause)))
