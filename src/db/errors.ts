import { UniqueViolationError } from './unique.ts'

/**
 * True for a UNIQUE constraint violation, judged by the driver's error code (never by message
 * text), also when a query builder wrapped the driver's error as its `cause`; PostgreSQL stores
 * throw UniqueViolationError for the ones their services map.
 */
export const isUniqueViolation = (error: unknown): boolean =>
  error instanceof UniqueViolationError ||
  (error instanceof Error &&
    ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' || (error.cause !== error && isUniqueViolation(error.cause))))
