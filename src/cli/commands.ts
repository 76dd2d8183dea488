import type { Config } from '../config.ts'
import { backupCommand } from './backup.ts'
import { healthcheck } from './healthcheck.ts'
import { migrateCommand } from './migrate.ts'
import { serve } from './serve.ts'

export interface Command {
  usage: string
  summary: string
  /** Returns the process exit code. `args` are the arguments after the command name. */
  run(config: Config, args: string[]): Promise<number>
}

export const COMMANDS = {
  serve: { usage: 'serve', summary: 'serve the API (the default)', run: serve },
  migrate: { usage: 'migrate', summary: 'apply database migrations and exit', run: migrateCommand },
  backup: {
    usage: 'backup FILE',
    summary: 'write a consistent, verified copy of the database to FILE (safe while serving; never overwrites)',
    run: backupCommand,
  },
  healthcheck: {
    usage: 'healthcheck',
    summary: 'exit 0 when GET /health/ready answers 200 (for container health checks)',
    run: healthcheck,
  },
} satisfies Record<string, Command>
