import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { cronPattern, tickOf } from '../../src/jobs/tick.ts'

setDefaultTimeout(30_000)

const at = (iso: string) => new Date(iso)

describe('tickOf: the tick a job timer firing belongs to', () => {
  test('the latest instant of the pattern at or before the firing', () => {
    const hourly = cronPattern('15 * * * *')
    expect(tickOf(hourly, at('2026-12-02T10:15:00.000Z')).toISOString()).toBe('2026-12-02T10:15:00.000Z')
    expect(tickOf(hourly, at('2026-12-02T10:15:00.004Z')).toISOString()).toBe('2026-12-02T10:15:00.000Z')
    expect(tickOf(hourly, at('2026-12-02T10:15:42.900Z')).toISOString()).toBe('2026-12-02T10:15:00.000Z')
  })

  test('the same tick in every process, however late each timer fires within the lookback', () => {
    const everyFiveSeconds = cronPattern('*/5 * * * * *')
    const firings = ['2026-12-02T10:00:05.000Z', '2026-12-02T10:00:05.001Z', '2026-12-02T10:00:06.700Z', '2026-12-02T10:00:09.999Z']
    expect(firings.map((iso) => tickOf(everyFiveSeconds, at(iso)).toISOString())).toEqual(Array(4).fill('2026-12-02T10:00:05.000Z'))
    expect(tickOf(everyFiveSeconds, at('2026-12-02T10:00:10.000Z')).toISOString()).toBe('2026-12-02T10:00:10.000Z')
  })

  test('in UTC: a daily 03:00 job is 03:00Z, also across a month end', () => {
    const daily = cronPattern('0 3 * * *')
    expect(tickOf(daily, at('2026-12-01T03:00:00.020Z')).toISOString()).toBe('2026-12-01T03:00:00.000Z')
    expect(daily.nextRun(at('2026-11-30T03:00:00.000Z'))!.toISOString()).toBe('2026-12-01T03:00:00.000Z')
  })

  test('a timer more than a minute late is put on the second it fired in', () => {
    const daily = cronPattern('0 3 * * *')
    expect(tickOf(daily, at('2026-12-01T03:01:00.250Z')).toISOString()).toBe('2026-12-01T03:01:00.000Z')
  })
})
