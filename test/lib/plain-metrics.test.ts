import { describe, expect, setDefaultTimeout, test } from 'bun:test'
import { Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client'
import { PlainCounter, PlainGauge, PlainHistogram } from '../../src/lib/plain-metrics.ts'

// See test/preload.ts: a per-file default, for tests that start processes on a busy machine.
setDefaultTimeout(30_000)

/** The same metrics twice: prom-client's own, and the plain tallies, on registries of their own. */
function pair() {
  const own = new Registry()
  const plain = new Registry()
  const requests = { name: 'http_requests_total', help: 'HTTP requests by method, route template and status', labelNames: ['method', 'route', 'status'] as const }
  const duration = {
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }
  const lastSuccess = { name: 'job_last_success_timestamp_seconds', help: 'When each scheduled job last succeeded (Unix time)', labelNames: ['job'] as const }
  const tallies = [new PlainCounter(requests), new PlainHistogram(duration), new PlainGauge(lastSuccess)] as const
  for (const tally of tallies) plain.registerMetric(tally as unknown as Metric)
  return {
    own,
    plain,
    counters: [new Counter({ ...requests, registers: [own] }), tallies[0]] as const,
    histograms: [new Histogram({ ...duration, registers: [own] }), tallies[1]] as const,
    gauges: [new Gauge({ ...lastSuccess, registers: [own] }), tallies[2]] as const,
  }
}

const observations: [string, string, number, number][] = [
  ['GET', '/products/:id', 200, 0.0004],
  ['GET', '/products', 200, 0.012],
  ['GET', '/products/:id', 304, 0.001],
  ['POST', '/orders', 201, 0.0031],
  ['GET', '/products/:id', 200, 2.5],
  ['GET', '/products/:id', 200, 7.25],
  // Label values the text format must escape.
  ['GET', 'a "quoted" \\ back\nslash', 404, 0.05],
  ['GET', 'unmatched', 404, 0],
]

describe('plain counters and histograms', () => {
  test('expose exactly the text prom-client does for the same observations', async () => {
    const { own, plain, counters, histograms, gauges } = pair()
    expect(await plain.metrics()).toBe(await own.metrics()) // empty
    for (const [method, route, status, seconds] of observations) {
      for (const counter of counters) counter.inc({ method, route, status })
      for (const histogram of histograms) histogram.observe({ method, route }, seconds)
    }
    counters[0].inc({ method: 'GET', route: '/products', status: 200 }, 5)
    counters[1].inc({ method: 'GET', route: '/products', status: 200 }, 5)
    for (const gauge of gauges) {
      gauge.set({ job: 'cleanup' }, 1796221752.5)
      gauge.set({ job: 'snapshot "daily"' }, 17)
      gauge.set({ job: 'cleanup' }, 1796221812.25)
    }
    const text = await plain.metrics()
    expect(text).toBe(await own.metrics())
    expect(text).toContain('http_requests_total{method="GET",route="/products/:id",status="200"} 3\n')
    expect(text).toContain('http_request_duration_seconds_bucket{le="2.5",method="GET",route="/products/:id"} 3\n')
    expect(text).toContain('http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/products/:id"} 4\n')
    expect(text).toContain('job_last_success_timestamp_seconds{job="cleanup"} 1796221812.25\n')
  })

  test('give the same JSON as prom-client (getMetricsAsJSON) and reset the same way', async () => {
    const { own, plain, counters, histograms, gauges } = pair()
    for (const [method, route, status, seconds] of observations) {
      for (const counter of counters) counter.inc({ method, route, status })
      for (const histogram of histograms) histogram.observe({ method, route }, seconds)
    }
    for (const gauge of gauges) gauge.set({ job: 'cleanup' }, 3)
    expect(await plain.getMetricsAsJSON()).toEqual(await own.getMetricsAsJSON())
    own.resetMetrics()
    plain.resetMetrics()
    expect(await plain.metrics()).toBe(await own.metrics())
  })

  test('refuse what prom-client refuses: a value that is not a number, a counter going down', () => {
    const { counters, histograms, gauges } = pair()
    const labels = { method: 'GET', route: '/', status: 200 }
    for (const counter of counters) {
      expect(() => counter.inc(labels, Number.POSITIVE_INFINITY)).toThrow(TypeError)
      expect(() => counter.inc(labels, -1)).toThrow('It is not possible to decrease a counter')
    }
    for (const histogram of histograms) expect(() => histogram.observe({ method: 'GET', route: '/' }, Number.NaN)).toThrow(TypeError)
    for (const gauge of gauges) expect(() => gauge.set({ job: 'x' }, 'one' as unknown as number)).toThrow(TypeError)
  })
})
