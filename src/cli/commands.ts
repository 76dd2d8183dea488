import type { Config } from '../config.ts'
import { createAdmin } from './create-admin.ts'
import { backupCommand } from './backup.ts'
import { healthcheck } from './healthcheck.ts'
import { migrateCommand } from './migrate.ts'
import { seedCommand } from './seed.ts'
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
  'create-admin': {
    usage: 'create-admin --email E [--name N] [--password-stdin]',
    summary: 'create or promote an administrator (password from stdin or a hidden prompt)',
    run: createAdmin,
  },
  seed: { usage: 'seed --demo [options]', summary: 'fill the database with demo products, users and orders', run: (config, args) => seedCommand(config, args) },
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
