import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { startScheduler } from '../../src/jobs/scheduler.ts'
import { createMetrics } from '../../src/lib/metrics.ts'
import { afterResponseHooks, createTestApp, createUser, json } from '../helpers.ts'
import { checkExposition } from './exposition.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

const t = await createTestApp()
afterAll(() => t.close())
const admin = await createUser(t, { role: 'admin' })

/** promtool (Debian's prometheus package) when installed; CI installs it, so there it is required. */
const promtool = Bun.which('promtool')

async function scrape() {
  const response = await t.request('/metrics')
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
  return response.text()
}

describe('GET /metrics', () => {
  test('is valid Prometheus text exposition, before and after traffic', async () => {
    const before = await scrape()
    expect(checkExposition(before).problems).toEqual([])

    await t.request('/admin/reports/summary', { token: admin.token })
    await t.request('/no/such/route')
    await afterResponseHooks()
    const after = await scrape()
    expect(checkExposition(after).problems).toEqual([])
    // prom-client spells not-a-number `Nan`; the format wants `NaN`, and nothing here should be NaN.
    expect(after).not.toMatch(/ Nan$/m)

    if (promtool || process.env.CI) {
      expect(promtool).toBeTruthy()
      const check = Bun.spawn([promtool!, 'check', 'metrics'], { stdin: new Blob([after]), stdout: 'pipe', stderr: 'pipe' })
      const [code, out, err] = await Promise.all([check.exited, new Response(check.stdout).text(), new Response(check.stderr).text()])
      expect({ code, out, err }).toEqual({ code: 0, out: '', err: '' })
    }
  })

  test('labels requests by route template, not by path', async () => {
    const taken = await json(await t.request('/admin/reports/snapshots', { method: 'POST', token: admin.token }))
    expect((await t.request(`/admin/reports/snapshots/${taken.name}`, { token: admin.token })).status).toBe(200)
    await t.request('/admin/reports/snapshots/summary-2020-01-01T00-00-00-000Z.json', { token: admin.token })
    await afterResponseHooks()
    const { samples } = checkExposition(await scrape())
    const byRoute = samples.filter((s) => s.name === 'http_requests_total' && s.labels.route === '/admin/reports/snapshots/:name')
    expect(byRoute.map((s) => [s.labels.status, s.value]).sort()).toEqual([
      ['200', 1],
      ['404', 1],
    ])
    expect(samples.some((s) => Object.values(s.labels).some((value) => value.includes(taken.name)))).toBe(false)
  })

  test('counts scheduled job runs by job and outcome, with their duration', async () => {
    const scheduler = startScheduler(t.ctx, [
      { name: 'tick', pattern: '* * * * * *', run: () => 'done' },
      { name: 'broken', pattern: '* * * * * *', run: () => Promise.reject(new Error('boom')) },
    ])
    try {
      await new Promise<void>((resolve) => {
        const seen = new Set<string>()
        scheduler.onRun((run) => {
          seen.add(`${run.job}:${run.outcome}`)
          if (seen.has('tick:success') && seen.has('broken:failure')) resolve()
        })
      })
    } finally {
      await scheduler.stop()
    }
    const text = await scrape()
    const { samples, problems } = checkExposition(text)
    expect(problems).toEqual([])
    const runs = (job: string, outcome: string) =>
      samples.find((s) => s.name === 'job_runs_total' && s.labels.job === job && s.labels.outcome === outcome)?.value ?? 0
    expect(runs('tick', 'success')).toBeGreaterThanOrEqual(1)
    expect(runs('broken', 'failure')).toBeGreaterThanOrEqual(1)
    expect(samples.find((s) => s.name === 'job_duration_seconds_count' && s.labels.job === 'tick')!.value).toBeGreaterThanOrEqual(1)
    expect(samples.find((s) => s.name === 'job_last_success_timestamp_seconds' && s.labels.job === 'tick')!.value).toBeGreaterThan(0)
    expect(samples.some((s) => s.name === 'job_last_success_timestamp_seconds' && s.labels.job === 'broken')).toBe(false)
  })

  test('counts process CPU time from the start of the process, though prom-client is loaded at the first scrape', async () => {
    const metrics = createMetrics()
    const before = process.cpuUsage()
    const { samples, problems } = checkExposition(await metrics.exposition())
    const after = process.cpuUsage()
    expect(problems).toEqual([])
    const seconds = (name: string) => samples.find((s) => s.name === name)!.value
    // This test process has run for seconds already: a counter started at the scrape would show ~0.
    expect(before.user).toBeGreaterThan(100_000)
    expect(seconds('process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(before.user / 1e6)
    expect(seconds('process_cpu_user_seconds_total')).toBeLessThanOrEqual(after.user / 1e6)
    expect(seconds('process_cpu_system_seconds_total')).toBeGreaterThanOrEqual(before.system / 1e6)
    expect(seconds('process_cpu_system_seconds_total')).toBeLessThanOrEqual(after.system / 1e6)
    expect(seconds('process_cpu_seconds_total')).toBeGreaterThanOrEqual((before.user + before.system) / 1e6)
    expect(seconds('process_cpu_seconds_total')).toBeLessThanOrEqual((after.user + after.system) / 1e6)
    expect(samples.filter((s) => s.name.startsWith('process_cpu_')).length).toBe(3)
  })
})
