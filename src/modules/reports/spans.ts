import { DAY_MS, type ReportRange } from './range.ts'

/**
 * Where a summary reads each part of its range (bounds half-open, compared as text with
 * created_at, day and month). The whole UTC days come from the rollups (order_day_totals,
 * product_day_sales, product_month_sales, kept by triggers: migrations/*\/..._order_rollups.sql);
 * the partial days at the edges from the orders themselves. A date (`2026-03-01`) as a bound on
 * created_at sorts before every instant of its day, so `created_at < '2026-03-01'` is "before that day".
 */
export interface SummarySpans {
  /** Orders read raw: `lowStart <= created_at < lowEnd` and `highStart <= created_at < highEnd`. */
  lowStart: string
  lowEnd: string
  highStart: string
  highEnd: string
  /** Whole days from order_day_totals: `dayFrom <= day < dayTo`. */
  dayFrom: string
  dayTo: string
  /**
   * Product sales of the whole days: the months `monthFrom <= month < monthTo`, plus the days of
   * `salesDays`, minus the days of `salesDaysOut`. A month partly in the range is read as its
   * days in the range, or as the month less its days outside it when those are fewer: a year's
   * top products then read at most ~12 rows and ~30 days' rows a product.
   */
  monthFrom: string
  monthTo: string
  salesDays: [from: string, to: string][]
  salesDaysOut: [from: string, to: string][]
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7)
const startOfMonth = (ms: number) => {
  const date = new Date(ms)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
}
const startOfNextMonth = (ms: number) => {
  const date = new Date(ms)
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
}
const days = (from: number, to: number) => Math.round((to - from) / DAY_MS)

/** A month's rows cost about this many days' rows (a product sells on most days of a month, not all). */
const MONTH_IN_DAYS = 2

export function summarySpans(range: ReportRange): SummarySpans {
  const startMs = Date.parse(range.start)
  const endMs = Date.parse(range.end)
  const first = Math.ceil(startMs / DAY_MS) * DAY_MS
  const end = Math.floor(endMs / DAY_MS) * DAY_MS
  if (first >= end) {
    // No whole day: everything raw.
    return {
      lowStart: range.start,
      lowEnd: range.end,
      highStart: range.end,
      highEnd: range.end,
      dayFrom: '',
      dayTo: '',
      monthFrom: '',
      monthTo: '',
      salesDays: [],
      salesDaysOut: [],
    }
  }
  const spans = { lowStart: range.start, lowEnd: dateOf(first), highStart: dateOf(end), highEnd: range.end, dayFrom: dateOf(first), dayTo: dateOf(end) }
  const salesDays: [string, string][] = []
  const salesDaysOut: [string, string][] = []
  const span = (from: number, to: number): [string, string] => [dateOf(from), dateOf(to)]

  // The whole days [first, end) as months [monthFrom, monthTo) plus or minus days.
  const lowMonth = startOfMonth(first)
  const lastMonth = startOfMonth(end - DAY_MS)
  if (lowMonth === lastMonth) {
    const monthEnd = startOfNextMonth(first)
    const inside = days(first, end)
    const outside = days(lowMonth, monthEnd) - inside
    if (outside + MONTH_IN_DAYS >= inside) {
      salesDays.push(span(first, end))
      return { ...spans, monthFrom: '', monthTo: '', salesDays, salesDaysOut }
    }
    if (first > lowMonth) salesDaysOut.push(span(lowMonth, first))
    if (end < monthEnd) salesDaysOut.push(span(end, monthEnd))
    return { ...spans, monthFrom: monthOf(lowMonth), monthTo: monthOf(monthEnd), salesDays, salesDaysOut }
  }
  let monthFrom = lowMonth
  if (first > lowMonth) {
    const next = startOfNextMonth(first)
    if (days(lowMonth, first) + MONTH_IN_DAYS < days(first, next)) salesDaysOut.push(span(lowMonth, first))
    else {
      salesDays.push(span(first, next))
      monthFrom = next
    }
  }
  let monthTo = end
  if (end !== startOfNextMonth(lastMonth)) {
    const next = startOfNextMonth(lastMonth)
    if (days(end, next) + MONTH_IN_DAYS < days(lastMonth, end)) {
      salesDaysOut.push(span(end, next))
      monthTo = next
    } else {
      salesDays.push(span(lastMonth, end))
      monthTo = lastMonth
    }
  }
  return monthFrom < monthTo
    ? { ...spans, monthFrom: monthOf(monthFrom), monthTo: monthOf(monthTo), salesDays, salesDaysOut }
    : { ...spans, monthFrom: '', monthTo: '', salesDays, salesDaysOut }
}
