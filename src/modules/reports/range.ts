import { ValidationFailedError, type FieldError } from '../../lib/errors.ts'

/**
 * A report's time range. `start` and `end` are the ISO strings the queries compare `created_at`
 * against, half-open: `start <= created_at < end` (timestamps are fixed-width ISO text, so text
 * order is time order). `from` and `to` are what the report shows: both bounds, inclusive.
 */
export interface ReportRange {
  from: string
  to: string
  start: string
  end: string
}

export const DAY_MS = 86_400_000
export const MAX_RANGE_DAYS = 366
export const DEFAULT_RANGE_DAYS = 30

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
// A date-time must name its offset: a local time would mean a different instant on every server.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i

export const RANGE_VALUE_DESCRIPTION =
  'An ISO 8601 date (`2026-03-01`, UTC) or date-time with an offset (`2026-03-01T12:00:00Z`)'

/** The smallest and largest instants a range may touch: 4-digit years keep ISO text sortable. */
const EARLIEST = Date.UTC(1970, 0, 1)
const LATEST = Date.UTC(9999, 11, 31)

interface ParsedBound {
  instant: number
  dateOnly: boolean
}

const isRealDate = (year: number, month: number, day: number) => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

function parseBound(raw: string, path: string, errors: FieldError[]): ParsedBound | undefined {
  const fail = (message: string) => void errors.push({ path, message, in: 'query' })
  const value = raw.trim()
  const date = DATE.exec(value)
  const dateTime = date ? null : DATE_TIME.exec(value)
  const parts = date ?? dateTime
  if (!parts) return fail(`must be ${RANGE_VALUE_DESCRIPTION.replace(/`/g, '')}`)
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])]
  if (!isRealDate(year, month, day)) return fail('is not a calendar date')
  if (dateTime) {
    const [hour, minute, second] = [Number(dateTime[4]), Number(dateTime[5]), Number(dateTime[6] ?? 0)]
    const [offsetHour, offsetMinute] = [Number(dateTime[7] ?? 0), Number(dateTime[8] ?? 0)]
    if (hour > 23 || minute > 59 || second > 59 || offsetHour > 23 || offsetMinute > 59) return fail('is not a valid time')
  }
  const instant = Date.parse(date ? `${value}T00:00:00Z` : value)
  if (Number.isNaN(instant)) return fail('is not a valid date')
  if (instant < EARLIEST || instant >= LATEST) return fail('must be between 1970-01-01 and 9999-12-30')
  return { instant, dateOnly: Boolean(date) }
}

const startOfUtcDay = (instant: number) => instant - (((instant % DAY_MS) + DAY_MS) % DAY_MS)

function toRange(startMs: number, endMs: number): ReportRange {
  return {
    from: new Date(startMs).toISOString(),
    to: new Date(endMs - 1).toISOString(),
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
  }
}

/** The default: today (UTC) and the 29 whole days before it, so the cache key holds for a day. */
export function defaultRange(now: Date): ReportRange {
  const endMs = startOfUtcDay(now.getTime()) + DAY_MS
  return toRange(endMs - DEFAULT_RANGE_DAYS * DAY_MS, endMs)
}

/**
 * Parses `?from=&to=`. A plain date means that whole UTC day: `from` its first instant, `to`
 * through its last (inclusive). A date-time is an instant, included as well. A missing `from` is
 * 30 days before `to`; a missing `to` is the end of today, or `from` + 30 days when only `from` is
 * given. Reversed ranges, and ranges over 366 days, are 422.
 */
export function parseRange(query: { from?: string; to?: string }, now: Date): ReportRange {
  if (query.from === undefined && query.to === undefined) return defaultRange(now)
  const errors: FieldError[] = []
  const from = query.from === undefined ? undefined : parseBound(query.from, '/from', errors)
  const to = query.to === undefined ? undefined : parseBound(query.to, '/to', errors)
  if (errors.length) throw new ValidationFailedError('The report range is invalid.', errors)

  const toEnd = (bound: ParsedBound) => (bound.dateOnly ? bound.instant + DAY_MS : bound.instant + 1)
  let startMs: number
  let endMs: number
  if (from && to) {
    startMs = from.instant
    endMs = toEnd(to)
  } else if (from) {
    startMs = from.instant
    endMs = Math.min(startMs + DEFAULT_RANGE_DAYS * DAY_MS, LATEST)
  } else {
    endMs = toEnd(to!)
    startMs = Math.max(endMs - DEFAULT_RANGE_DAYS * DAY_MS, EARLIEST)
  }
  if (startMs >= endMs) {
    throw new ValidationFailedError('The report range is reversed: `from` is after `to`.', [
      { path: '/from', message: 'must not be after `to`', in: 'query' },
    ])
  }
  if (endMs - startMs > MAX_RANGE_DAYS * DAY_MS) {
    throw new ValidationFailedError(`The report range is longer than ${MAX_RANGE_DAYS} days.`, [
      { path: '/to', message: `must be at most ${MAX_RANGE_DAYS} days after \`from\``, in: 'query' },
    ])
  }
  return toRange(startMs, endMs)
}

/** Every UTC date (`YYYY-MM-DD`) the range touches, in order. */
export function datesOf(range: ReportRange): string[] {
  const dates: string[] = []
  const last = startOfUtcDay(Date.parse(range.end) - 1)
  for (let day = startOfUtcDay(Date.parse(range.start)); day <= last; day += DAY_MS) {
    dates.push(new Date(day).toISOString().slice(0, 10))
  }
  return dates
}
