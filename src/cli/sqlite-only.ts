import type { Config } from '../config.ts'

/**
 * `kiosk backup` and `kiosk restore` copy the SQLite file. On PostgreSQL they refuse, saying what
 * does that job there; null when the database is SQLite.
 */
export function postgresRefusal(config: Pick<Config, 'DATABASE_URL'>, command: 'backup' | 'restore'): string | null {
  if (config.DATABASE_URL === undefined) return null
  const tool = command === 'backup' ? 'pg_dump (or base backups with WAL archiving)' : 'pg_restore or psql (or point-in-time recovery)'
  return (
    `kiosk ${command}: DATABASE_URL is set, and backups of PostgreSQL are PostgreSQL's job: use ${tool}. ` +
    `kiosk ${command} copies the SQLite database only (DATABASE_URL unset).`
  )
}
