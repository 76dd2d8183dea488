import { Cron } from 'croner'

/*
 * Jobs are scheduled at a fixed UTC offset of 0, not in the `Etc/UTC` time zone: the same
 * instants, but croner then never converts through `toLocaleString`, whose first call initialises
 * ICU: 11–25 ms of every start-up, and 4 MB of the executable's idle RSS (7 MB in a bare compiled app).
 */
export const SCHEDULE_OPTIONS = { utcOffset: 0 } as const

/** How far back a tick is looked for: a timer that fires later than this is taken to be on its own second. */
const LOOKBACK_MS = 60_000

/** A cron pattern's instants, for telling which tick a firing belongs to (schedules nothing). */
export const cronPattern = (pattern: string) => new Cron(pattern, SCHEDULE_OPTIONS)

/**
 * The tick a job's timer firing at `at` belongs to: the latest instant of its pattern at or before
 * `at` (croner fires at or after the instant, never before). Every process computes the same one,
 * so it names the tick in the database claims that keep a job to one run per tick. A timer more
 * than LOOKBACK_MS late (the event loop stalled) is put on the second it fired in.
 */
export function tickOf(pattern: Cron, at: Date): Date {
  let tick = pattern.nextRun(new Date(at.getTime() - LOOKBACK_MS))
  if (!tick || tick > at) return new Date(Math.floor(at.getTime() / 1000) * 1000)
  for (let next = pattern.nextRun(tick); next && next <= at; next = pattern.nextRun(next)) tick = next
  return tick
}
