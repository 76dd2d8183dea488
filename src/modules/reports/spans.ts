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
  /** Product sales: whole months `monthFrom <= month < monthTo`, and the whole days around them. */
  monthFrom: string
  monthTo: string
  salesDays: [from: string, to: string][]
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const monthAfter = (month: string) => {
  const [year, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`
}

export function summarySpans(range: ReportRange): SummarySpans {
  const startMs = Date.parse(range.start)
  const endMs = Date.parse(range.end)
  const firstDay = Math.ceil(startMs / DAY_MS) * DAY_MS
  const endDay = Math.floor(endMs / DAY_MS) * DAY_MS
  if (firstDay >= endDay) {
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
    }
  }
  const dayFrom = dateOf(firstDay)
  const dayTo = dateOf(endDay)
  // Whole months: from the first month starting on or after dayFrom, up to dayTo's month.
  const monthFrom = dayFrom.endsWith('-01') ? dayFrom.slice(0, 7) : monthAfter(dayFrom.slice(0, 7))
  const monthTo = dayTo.slice(0, 7)
  const spans = { lowStart: range.start, lowEnd: dayFrom, highStart: dayTo, highEnd: range.end, dayFrom, dayTo }
  if (monthFrom >= monthTo) return { ...spans, monthFrom: '', monthTo: '', salesDays: [[dayFrom, dayTo]] }
  return { ...spans, monthFrom, monthTo, salesDays: [[dayFrom, `${monthFrom}-01`], [`${monthTo}-01`, dayTo]] }
}
