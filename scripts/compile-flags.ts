import { BUN_HEAD_CEILING } from '../src/http/head-limits.ts'
import { START_JIT_POLICY } from '../src/lib/jit-policy.ts'

/**
 * The `bun build` flags of the kiosk executable, each explained in scripts/build.ts. Shared with
 * bench/coldstart.ts, which compiles the start-up floor (bench/peers/elysia-floor.ts) the same way,
 * so the two starts differ only in what they run.
 */
export const COMPILE_FLAGS = [
  '--compile',
  '--no-compile-autoload-dotenv',
  '--no-compile-autoload-bunfig',
  '--target',
  'bun',
  '--minify-whitespace',
  '--minify-syntax',
  '--bytecode',
  '--format',
  'cjs',
  `--compile-exec-argv=--max-http-header-size=${BUN_HEAD_CEILING}`,
  `--compile-jit-policy=${START_JIT_POLICY}`,
]
