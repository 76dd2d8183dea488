/**
 * The JIT policy of a start. The executable is built with JavaScriptCore's tier-up thresholds
 * scaled by START_JIT_POLICY (`bun build --compile-jit-policy`, scripts/compile-flags.ts), so the
 * code a start runs once (module bodies, schemas, route registration, prepared statements) stays
 * in the interpreter instead of being compiled by the JIT it would never repay. Measured by
 * bench/coldstart.ts: ~30 ms less to the first response. Once a process serves (or a worker
 * thread begins its work) the normal policy comes back, so the request path is compiled as before.
 */
export const START_JIT_POLICY = 16

/** Restores the normal JIT policy on this thread. A no-op when run from source, which starts with it. */
export function useNormalJitPolicy() {
  Bun.unsafe.setJITPolicy(1)
}
