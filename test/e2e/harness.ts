import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { createTestDatabase, onPostgres } from '../postgres.ts'

/** The compiled executable under test. Built once per test run, from the current sources. */
export const EXECUTABLE = resolve(import.meta.dir, '../../dist/kiosk')
let built: Promise<void> | undefined

export function ensureExecutable(): Promise<void> {
  built ??= (async () => {
    const build = Bun.spawn(['bun', 'run', 'build'], { cwd: resolve(import.meta.dir, '../..'), stdout: 'pipe', stderr: 'pipe' })
    if ((await build.exited) !== 0) throw new Error(`bun run build failed: ${await new Response(build.stderr).text()}`)
  })()
  return built
}

export const emptyFolder = (prefix = 'kiosk-e2e-') => mkdtempSync(join(tmpdir(), prefix))

// In the PostgreSQL pass every data folder gets a database of its own, made on first use: a server
// and the commands run in the same folder (create-admin, seed) share it, as they share a SQLite file.
const folderDatabases = new Map<string, Promise<string>>()

/**
 * A new empty folder whose database is as a fresh install finds it: in the PostgreSQL pass an
 * empty database (no tables, no migrations) instead of a migrated copy of the template.
 */
export function freshFolder(prefix?: string): string {
  const dir = emptyFolder(prefix)
  if (onPostgres) folderDatabases.set(dir, createTestDatabase({ empty: true }).then((database) => database.url))
  return dir
}

/** Where the runs in a folder go: `sqlite` keeps one on the SQLite file in either pass (tests about that file). */
export interface DatabaseChoice {
  sqlite?: boolean
}

/** The settings that put a run in `dir` on its database: DATABASE_URL in the PostgreSQL pass, nothing on SQLite. */
export async function databaseEnv(dir: string, env: Record<string, string> = {}, choice: DatabaseChoice = {}): Promise<Record<string, string>> {
  if (!onPostgres || choice.sqlite || env.DATABASE_URL !== undefined || env.DATABASE_PATH !== undefined) return {}
  let url = folderDatabases.get(dir)
  if (!url) folderDatabases.set(dir, (url = createTestDatabase().then((database) => database.url)))
  return { DATABASE_URL: await url }
}

export interface RunningKiosk {
  url: string
  dir: string
  process: Subprocess<'ignore', 'pipe', 'pipe'>
  /** Every log line the process has written so far. */
  logs: string[]
  /** Resolves with the first log line (already written or still to come) that matches. */
  waitForLog(match: (line: string) => boolean, timeoutMs?: number): Promise<string>
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>
}

/**
 * Starts `dist/kiosk` (serve) in `dir` (a new empty folder by default) on a free port and waits
 * until it logs that it listens. Settings come only from `env`, as on a fresh machine.
 */
export async function startKiosk(options: { dir?: string; env?: Record<string, string>; args?: string[] } & DatabaseChoice = {}): Promise<RunningKiosk> {
  await ensureExecutable()
  const dir = options.dir ?? emptyFolder()
  const child = Bun.spawn([EXECUTABLE, ...(options.args ?? ['serve'])], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', ...(await databaseEnv(dir, options.env, options)), ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const logs: string[] = []
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>()
  // Read to the end of stdout: stop() waits for it too, since the exit can be seen before the
  // last lines ("stopped") are read.
  let outputRead!: Promise<void>
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`kiosk did not start:\n${logs.join('\n')}`)), 15_000)
    outputRead = (async () => {
      const decoder = new TextDecoder()
      let buffered = ''
      for await (const chunk of child.stdout) {
        buffered += decoder.decode(chunk, { stream: true })
        let newline: number
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline)
          buffered = buffered.slice(newline + 1)
          logs.push(line)
          for (const waiter of waiters) if (waiter.match(line)) waiter.resolve(line)
          const match = /"url":"(http:\/\/[^"]+)"/.exec(line)
          if (match && line.includes('kiosk listening')) {
            clearTimeout(timer)
            resolveUrl(match[1]!.replace(/\/$/, ''))
          }
        }
      }
    })()
    void outputRead.then(async () => {
      clearTimeout(timer)
      reject(new Error(`kiosk exited before listening (code ${await child.exited}):\n${logs.join('\n')}\n${await new Response(child.stderr).text()}`))
    })
  })
  return {
    url,
    dir,
    process: child,
    logs,
    waitForLog(match, timeoutMs = 10_000) {
      const seen = logs.find(match)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error('no such log line')), timeoutMs)
        const waiter = {
          match,
          resolve: (line: string) => {
            clearTimeout(timer)
            waiters.delete(waiter)
            resolveLine(line)
          },
        }
        waiters.add(waiter)
      })
    },
    async stop(signal = 'SIGTERM') {
      child.kill(signal)
      const [code] = await Promise.all([child.exited, outputRead])
      return code
    },
  }
}

/** Runs a one-shot kiosk command in `dir` and returns its exit code and output. */
export async function runKiosk(args: string[], options: { dir?: string; env?: Record<string, string>; stdin?: string } & DatabaseChoice = {}) {
  await ensureExecutable()
  const dir = options.dir ?? emptyFolder()
  const child = Bun.spawn([EXECUTABLE, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(await databaseEnv(dir, options.env, options)), ...options.env },
    stdin: options.stdin === undefined ? 'ignore' : new Blob([options.stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stdout, stderr] = await Promise.all([child.exited, new Response(child.stdout).text(), new Response(child.stderr).text()])
  return { code, stdout, stderr }
}
