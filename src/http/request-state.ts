/**
 * Per-request facts shared by the cross-cutting plugins (request id, start time, caller),
 * keyed by the Request object so nothing is added to Elysia's context types and nothing leaks
 * once the request is gone. A WeakMap, not a property on Elysia's context: adding a property to
 * the context object changes its shape on every request and cost ~10 µs per request in the
 * profile (PERFORMANCE.md), the WeakMap's set and get a fraction of one.
 */
export interface RequestState {
  requestId: string
  startedAt: number
  userId: string | undefined
  /** Server-Timing entries added by handlers, e.g. the report's parts (none on most requests: made on the first). */
  timings: string[] | undefined
  /** Counted and logged (src/http/request.ts): once, whichever hook gets there first. */
  finished: boolean
}

/**
 * Counts and logs a request whose answer is decided. The request plugin puts it in Elysia's store
 * under this key; the problem plugin calls it for answers given outside any route (no route matched,
 * a refused request head), which never reach the request plugin's own hook.
 */
export type FinishRequest = (request: Request, route: string, status: number) => void
export const FINISH_REQUEST = 'kiosk:finishRequest'

const states = new WeakMap<Request, RequestState>()

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/

export function beginRequest(request: Request): RequestState {
  const offered = request.headers.get('x-request-id')
  const state: RequestState = {
    requestId: offered && SANE_REQUEST_ID.test(offered) ? offered : Bun.randomUUIDv7(),
    startedAt: performance.now(),
    userId: undefined,
    timings: undefined,
    finished: false,
  }
  states.set(request, state)
  return state
}

/** The request's state; a request that skipped onRequest (only in unit tests) gets a fresh one. */
export function requestState(request: Request): RequestState {
  return states.get(request) ?? beginRequest(request)
}

/**
 * A non-negative number of milliseconds with two decimals, as `toFixed(2)` writes it, at a sixth of
 * its cost (it runs on every response). At an exact half of a hundredth it may round the other way:
 * a timing, so no matter.
 */
export function fixed2(ms: number): string {
  const hundredths = Math.round(ms * 100)
  const whole = Math.floor(hundredths / 100)
  const fraction = hundredths - whole * 100
  return `${whole}.${fraction < 10 ? '0' : ''}${fraction}`
}

/** Adds a `Server-Timing` part (name and milliseconds) to the response. */
export function addTiming(request: Request, name: string, ms: number) {
  const state = requestState(request)
  const part = `${name};dur=${fixed2(ms)}`
  if (state.timings) state.timings.push(part)
  else state.timings = [part]
}

/** The Server-Timing header of a request whose state is at hand: `total` plus any parts a handler timed. */
export function serverTimingOf(state: RequestState): string {
  const total = `total;dur=${fixed2(performance.now() - state.startedAt)}`
  return state.timings ? `${state.timings.join(', ')}, ${total}` : total
}

/** The Server-Timing header: `total` plus any parts a handler timed. */
export const serverTiming = (request: Request): string => serverTimingOf(requestState(request))
