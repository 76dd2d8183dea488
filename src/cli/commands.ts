import { loadConfig, loadSettings, type Env } from '../config.ts'
import { backupCommand } from './backup.ts'
import { CREATE_ADMIN_OPTIONS, createAdmin } from './create-admin.ts'
import { ensureDataDir } from './data-dir.ts'
import { healthcheck } from './healthcheck.ts'
import { migrateCommand, migrationStatusCommand } from './migrate.ts'
import { restoreCommand } from './restore.ts'
import { SEED_HELP, SEED_OPTIONS, SEED_USAGE, seedCommand } from './seed.ts'
import { serve } from './serve.ts'

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
}

/** What a command's arguments parsed into (strictly: an unknown flag never reaches `run`). */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
  /** The arguments as given, for commands that parse them again themselves (seed, create-admin). */
  raw: string[]
}

export interface Command {
  /** After `kiosk `: the command name and its arguments. */
  usage: string
  /** One line for `kiosk --help`. */
  summary: string
  /** The body of `kiosk <command> --help`: what it does, its options. */
  help: string
  options: Record<string, OptionSpec>
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number }
  /** Returns the exit code; a ConfigError it throws exits 78, a CliError its own code. */
  run(env: Env, args: ParsedArgs): Promise<number>
}

/** The full configuration, after checking that the data folder is usable. */
const configWithData = (env: Env) => {
  const config = loadConfig(env)
  ensureDataDir(config)
  return config
}

export const COMMANDS = {
  serve: {
    usage: 'serve [--port N] [--host H]',
    summary: 'serve the API (the default command)',
    help: `Migrates the database if needed, then serves. SIGTERM or SIGINT drain in-flight requests and exit 0.
Refuses to start (exit 69, one line) when the port is in use or another kiosk owns DATA_DIR.
With KIOSK_WORKERS=N (or auto, one per core) above 1 it supervises N worker processes sharing
the port and the database: it migrates once, restarts a worker that dies, and on SIGTERM or
SIGINT lets every worker drain, then exits 0.

  --port N   the TCP port, instead of PORT
  --host H   the address to bind, instead of HOST`,
    options: { port: { type: 'string' }, host: { type: 'string' } },
    positionals: { min: 0, max: 0 },
    run: (env, { values }) =>
      serve(
        loadConfig({
          ...env,
          ...(values.port !== undefined ? { PORT: values.port as string } : {}),
          ...(values.host !== undefined ? { HOST: values.host as string } : {}),
        }),
      ),
  },
  migrate: {
    usage: 'migrate [--status]',
    summary: 'apply the embedded database migrations and exit',
    help: `Applies the migrations embedded in this executable that the database lacks, all in one transaction.

  --status   list applied and pending migrations; change nothing`,
    options: { status: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    run: (env, { values }) => (values.status ? migrationStatusCommand(loadConfig(env)) : migrateCommand(configWithData(env))),
  },
  'create-admin': {
    usage: 'create-admin --email E [--name N] [--password-stdin]',
    summary: 'create or promote an administrator',
    help: `Creates an administrator, or promotes an existing account (and sets its password, ending its sessions).

  --email E          the account's email (required)
  --name N           its display name (default Administrator)
  --password-stdin   read the password from stdin instead of a hidden prompt`,
    options: CREATE_ADMIN_OPTIONS,
    positionals: { min: 0, max: 0 },
    run: (env, { raw }) => createAdmin(configWithData(env), raw),
  },
  seed: {
    usage: SEED_USAGE,
    summary: 'fill the database with demo products, users and orders',
    help: SEED_HELP.replace(/^Usage: .*\n\n/, '').trimEnd(),
    options: SEED_OPTIONS,
    positionals: { min: 0, max: 0 },
    run: (env, { raw }) => seedCommand(configWithData(env), raw),
  },
  backup: {
    usage: 'backup FILE',
    summary: 'write a consistent, verified copy of the database to FILE',
    help: `Writes a consistent copy of the database to FILE (VACUUM INTO), verified with PRAGMA integrity_check.
Safe while the server runs. Creates FILE's folder if needed; never overwrites an existing FILE.`,
    options: {},
    positionals: { min: 1, max: 1 },
    // Reads the database only: DATA_DIR need not be usable (nor exist) for it.
    run: (env, { positionals }) => backupCommand(loadConfig(env), positionals[0]!),
  },
  restore: {
    usage: 'restore FILE',
    summary: 'replace the database with the backup FILE (server stopped)',
    help: `Replaces the database with FILE, a backup. Refused while a server runs on this DATA_DIR (exit 69).
FILE must pass PRAGMA integrity_check and be a Kiosk database at a migration level this executable
knows. The current database is kept beside it as kiosk-before-restore-<time>.db; the swap is one
atomic rename. Newer migrations are applied at the next start.`,
    options: {},
    positionals: { min: 1, max: 1 },
    run: (env, { positionals }) => restoreCommand(loadConfig(env), positionals[0]!),
  },
  healthcheck: {
    usage: 'healthcheck',
    summary: 'exit 0 when GET /health/ready answers 200 (container health checks)',
    help: `Asks the server on this machine (PORT, HOST; 0.0.0.0 and :: mean loopback) for GET /health/ready.
Exit 0 when it answers 200 within 3 s, 1 otherwise. Reads no other setting.`,
    options: {},
    positionals: { min: 0, max: 0 },
    run: (env) => healthcheck(loadSettings(env, ['PORT', 'HOST'])),
  },
} satisfies Record<string, Command>

export type CommandName = keyof typeof COMMANDS
