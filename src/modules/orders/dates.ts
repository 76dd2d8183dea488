import { ValidationFailedError } from '../../lib/errors.ts'

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/

/**
 * `from`/`to` list bounds as inclusive ISO instants. A plain date `to` covers that whole day;
 * an impossible date (2026-02-30) or a reversed range is a 422.
 */
export function dateRange(from?: string, to?: string): { from?: string; to?: string } {
  const instant = (value: string, name: 'from' | 'to') => {
    const endOfDay = name === 'to' && DATE_ONLY.test(value)
    const date = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value)
    if (Number.isNaN(date.getTime()) || (DATE_ONLY.test(value) && date.toISOString().slice(0, 10) !== value)) {
      throw new ValidationFailedError(`${name} is not a valid date.`, [{ path: `/${name}`, message: 'not a valid date', in: 'query' }])
    }
    return new Date(date.getTime() + (endOfDay ? 86_399_999 : 0)).toISOString()
  }
  const range = { from: from ? instant(from, 'from') : undefined, to: to ? instant(to, 'to') : undefined }
  if (range.from && range.to && range.from > range.to) {
    throw new ValidationFailedError('from must not be after to.', [{ path: '/from', message: 'after to', in: 'query' }])
  }
  return range
}
