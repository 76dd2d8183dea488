import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { PlainCounter, PlainHistogram } from './plain-metrics.ts'

/*
 * Default metrics that are wrong or empty on Bun, removed so every sample means something and
 * `promtool check metrics` passes:
 * - the event-loop delay statistics that have no value when no delay was sampled since the last
 *   scrape (prom-client resets them per scrape): min is then int64-max nanoseconds, mean and
 *   stddev NaN. max and the percentiles (0 then) and nodejs_eventloop_lag_seconds stay;
 * - active handles/requests/resources: Bun reports none ever, and the gauges' `_total` names
 *   break promtool's naming lint.
 */
const UNSOUND_DEFAULTS = [
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
]

/**
 * The service's Prometheus metrics, on a registry of its own per context (never prom-client's
 * global one), so each test app counts only its own requests. The per-request ones (HTTP requests,
 * latency, cache lookups) are plain tallies read at scrape time (src/lib/plain-metrics.ts); the
 * rest are prom-client's own.
 */
export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  for (const name of UNSOUND_DEFAULTS) registry.removeSingleMetric(name)
  return {
    registry,
    /**
     * The text exposition. prom-client spells a not-a-number value `Nan`; the format says `NaN`
     * (strict parsers such as OpenMetrics' reject the other spelling).
     */
    async exposition(): Promise<string> {
      return (await registry.metrics()).replace(/ Nan$/gm, ' NaN')
    },
    httpRequests: new PlainCounter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new PlainHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    cacheLookups: new PlainCounter({
      name: 'cache_lookups_total',
      help: 'In-process cache lookups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'job_runs_total',
      help: 'Scheduled job runs by job and outcome (success, failure, skipped: still running from the last time)',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Scheduled job run time by job',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [registry],
    }),
    jobLastSuccess: new Gauge({
      name: 'job_last_success_timestamp_seconds',
      help: 'When each scheduled job last succeeded (Unix time)',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    emailAttempts: new Counter({
      name: 'email_attempts_total',
      help: 'Email delivery attempts by outcome (sent, retry, failed)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
