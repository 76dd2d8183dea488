/**
 * True when a query failed because the database can't be reached right now (PostgreSQL down,
 * restarting, out of connections, the network cut; SQLite busy past its timeout; Redis away), not because of
 * the query: such requests get a 503 problem with Retry-After instead of a 500, and work again by
 * themselves once the database is back (the pool reconnects on the next query).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown }
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
    // PostgreSQL's SQLSTATE: class 08 (connection exception), shutdown / starting up, too many connections.
    if (code === 'ERR_POSTGRES_SERVER_ERROR' && typeof errno === 'string' && (errno.startsWith('08') || UNAVAILABLE_STATES.has(errno))) {
      return true
    }
    if (typeof code === 'string' && code.startsWith('ERR_POSTGRES_CONNECTION')) return true
    // Redis (REDIS_URL): Bun's client refuses commands while disconnected (ERR_REDIS_CONNECTION_CLOSED),
    // src/db/redis/client.ts times out a server that stopped answering, and a server that is
    // loading its data, a read-only replica (mid-failover) or a cluster without its master says so.
    if (code === 'ERR_REDIS_CONNECTION_CLOSED' || code === 'KIOSK_REDIS_TIMEOUT') return true
    if (code === 'ERR_REDIS_SERVER_ERROR' && REDIS_UNAVAILABLE_REPLY.test(e.message)) return true
    // postgres.js (DATABASE_DRIVER=postgres-js): its own codes, and the SQLSTATE itself as `code`.
    if (typeof code === 'string' && (POSTGRES_JS_CODES.has(code) || code.startsWith('08') || UNAVAILABLE_STATES.has(code))) return true
  }
  return false
}

const UNAVAILABLE_CODES = new Set(['ERR_POSTGRES_CONNECTION_CLOSED', 'ERR_POSTGRES_CONNECTION_REFUSED', 'ERR_POSTGRES_CONNECTION_TIMEOUT', 'ERR_POSTGRES_IDLE_TIMEOUT', 'ERR_POSTGRES_LIFETIME_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'SQLITE_BUSY'])
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300'])
const POSTGRES_JS_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ETIMEDOUT', 'EPIPE'])
const REDIS_UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY)\b/
