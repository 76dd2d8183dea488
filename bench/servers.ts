/*
 * The servers of `bun run bench`: Kiosk (the compiled executable) and its peers in bench/peers/.
 * Each is started alone, pinned to the server CPU, on a free loopback port, and stopped before
 * the next one starts.
 */
import type { Subprocess } from 'bun'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { freePort, pinned, waitFor200 } from './tools.ts'

export const ROOT = resolve(import.meta.dir, '..')
export const EXECUTABLE = join(ROOT, 'dist/kiosk')
export const SERVER_CPU = 0
export const LOAD_CPU = 1
export const BENCH_SECRET = 'bench-secret-that-is-at-least-32-bytes!'

export type ServerName = 'kiosk' | 'against' | 'workers' | 'postgres' | 'replicas' | 'bun-raw' | 'bun-featured' | 'node-fastify' | 'elysia-insert'
export type PeerName = Exclude<ServerName, 'kiosk'>
/** Kiosk itself, another build of it (`--against`), with KIOSK_WORKERS (`--workers`), on PostgreSQL, as replicas: all take Kiosk's requests. */
export const isKiosk = (name: ServerName) => name === 'kiosk' || name === 'against' || name === 'workers' || name === 'postgres' || name === 'replicas'

export const SERVER_LABELS: Record<ServerName, string> = {
  kiosk: 'Kiosk (dist/kiosk)',
  against: 'another Kiosk build (--against)',
  workers: 'Kiosk with KIOSK_WORKERS (--workers; unpinned, shares the cores with wrk)',
  postgres: 'Kiosk on PostgreSQL (DATABASE_URL, loopback; the PostgreSQL server is not pinned and shares both cores)',
  replicas:
    'Kiosk replicas (--replicas) on that PostgreSQL database: one wrk per replica at once, connections split, rates added, p50/p99 the worse of the two; ' +
    'unpinned: the replicas, PostgreSQL and wrk share both cores of one machine',
  'bun-raw': 'raw Bun.serve + bun:sqlite',
  'bun-featured': "raw Bun.serve with a production request's features by hand (request id, head checks, security headers, ETag, Server-Timing, access line, metrics)",
  'node-fastify': 'Node + Fastify 5 + better-sqlite3',
  'elysia-insert': 'bare Elysia one-row insert',
}

export interface Server {
  name: ServerName
  /** The first (or only) address; `urls` has every one that serves it (the replicas: one each). */
  url: string
  urls: string[]
  process: Subprocess
  /** Every process serving it: one, but for the replicas. */
  processes: Subprocess[]
  /** Exec to the first 200 on /health/live. */
  startMs: number
  stop(): Promise<void>
}

export interface ServerFiles {
  dataDir: string
  databasePath: string
  listQueryFile: string
  /** A scratch database for the insert peer. */
  insertDatabasePath: string
  cacheEntries: number
  /** The second Kiosk executable of `--against`, when given. */
  againstExecutable?: string
  /** KIOSK_WORKERS of the `workers` server. */
  workers?: number
  /** DATABASE_URL of the `postgres` and `replicas` servers: a copy of the bench data (bench/postgres.ts). */
  postgresUrl?: string
  /** How many processes the `replicas` server runs, each on its own port and DATA_DIR. */
  replicas?: number
}

/** Where the Node peer and its npm dependencies live: gitignored, never Kiosk's node_modules. */
export const NODE_PEER_DIR = join(ROOT, 'bench/.peers/node-fastify')

/**
 * Installs the Node peer's dependencies with npm into bench/.peers/node-fastify (once; again only
 * when its package.json changes). Returns why it can't run, or null when it can.
 */
export async function prepareNodePeer(): Promise<string | null> {
  const node = Bun.which('node')
  const npm = Bun.which('npm')
  if (!node || !npm) return 'node or npm is not on PATH'
  const version = (await new Response(Bun.spawn([node, '--version']).stdout).text()).trim()
  if (Number(/^v(\d+)/.exec(version)?.[1] ?? 0) < 20) return `Node ${version} is older than 20`
  const source = join(ROOT, 'bench/peers/node-fastify')
  mkdirSync(NODE_PEER_DIR, { recursive: true })
  copyFileSync(join(source, 'server.mjs'), join(NODE_PEER_DIR, 'server.mjs'))
  const manifest = readFileSync(join(source, 'package.json'), 'utf8')
  const installedManifest = join(NODE_PEER_DIR, '.installed-package.json')
  if (existsSync(installedManifest) && readFileSync(installedManifest, 'utf8') === manifest && existsSync(join(NODE_PEER_DIR, 'node_modules'))) return null
  await Bun.write(join(NODE_PEER_DIR, 'package.json'), manifest)
  console.log(`installing the Node peer (fastify 5, better-sqlite3 12) with npm into ${NODE_PEER_DIR} (compiles better-sqlite3: minutes) ...`)
  const child = Bun.spawn([npm, 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: NODE_PEER_DIR, stdout: 'inherit', stderr: 'inherit' })
  if ((await child.exited) !== 0) return 'npm install of the Node peer failed'
  await Bun.write(installedManifest, manifest)
  return null
}

function command(name: ServerName, port: number, files: ServerFiles): { argv: string[]; cwd: string } {
  const bun = process.execPath
  switch (name) {
    case 'kiosk':
      return { argv: [EXECUTABLE, 'serve'], cwd: files.dataDir }
    case 'against':
      return { argv: [files.againstExecutable!, 'serve'], cwd: files.dataDir }
    case 'workers':
    case 'postgres':
    case 'replicas':
      return { argv: [EXECUTABLE, 'serve'], cwd: files.dataDir }
    case 'bun-raw':
      return {
        argv: [bun, join(ROOT, 'bench/peers/bun-raw.ts'), '--db', files.databasePath, '--port', String(port), '--list-query', files.listQueryFile],
        cwd: ROOT,
      }
    case 'bun-featured':
      return { argv: [bun, join(ROOT, 'bench/peers/bun-featured.ts'), '--db', files.databasePath, '--port', String(port)], cwd: ROOT }
    case 'node-fastify':
      return { argv: ['node', join(NODE_PEER_DIR, 'server.mjs'), '--db', files.databasePath, '--port', String(port)], cwd: NODE_PEER_DIR }
    case 'elysia-insert':
      return { argv: [bun, join(ROOT, 'bench/peers/elysia-insert.ts'), '--db', files.insertDatabasePath, '--port', String(port)], cwd: ROOT }
  }
}

export async function startServer(name: ServerName, files: ServerFiles, extraEnv: Record<string, string> = {}): Promise<Server> {
  const started = performance.now()
  // The replicas are separate servers on separate ports, each with its own DATA_DIR (its lock): one per replica.
  const count = name === 'replicas' ? (files.replicas ?? 2) : 1
  const children: Subprocess[] = []
  const urls: string[] = []
  try {
    for (let replica = 1; replica <= count; replica++) {
      const port = freePort()
      const { argv, cwd } = command(name, port, files)
      // Several workers (or replicas) are not pinned to one core: that would measure one core twice.
      const child = Bun.spawn(name === 'workers' || name === 'replicas' ? argv : pinned(SERVER_CPU, argv), {
        cwd,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: name === 'replicas' ? join(files.dataDir, `replica-${replica}`) : files.dataDir,
          NODE_ENV: 'production',
          JWT_SECRET: BENCH_SECRET,
          CACHE_MAX_ENTRIES: String(files.cacheEntries),
          ...(name === 'workers' ? { KIOSK_WORKERS: String(files.workers ?? 2) } : {}),
          ...(name === 'postgres' || name === 'replicas' ? { DATABASE_URL: files.postgresUrl! } : {}),
          ...extraEnv,
        },
        // Kiosk logs a line per request at the default level (info), as in production; the lines go nowhere.
        stdout: 'ignore',
        stderr: 'inherit',
      })
      children.push(child)
      urls.push(`http://127.0.0.1:${port}`)
      await waitFor200(`${urls.at(-1)}/health/live`, 60_000)
    }
  } catch (error) {
    for (const child of children) child.kill('SIGKILL')
    throw error
  }
  const startMs = performance.now() - started
  return {
    name,
    url: urls[0]!,
    urls,
    process: children[0]!,
    processes: children,
    startMs,
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          child.kill('SIGTERM')
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
          await child.exited
          clearTimeout(timer)
        }),
      )
    },
  }
}
