import type { Metric, Registry } from 'prom-client'
import { PlainCounter, PlainGauge, PlainHistogram, type PlainMetric } from './plain-metrics.ts'

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

/** prom-client's text exposition media type (`Registry.contentType`), known before it is loaded. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * The service's Prometheus metrics, on a registry of its own per context (never prom-client's
 * global one), so each test app counts only its own requests. Every series Kiosk counts itself is
 * a plain tally (src/lib/plain-metrics.ts); prom-client is loaded, and its registry and process
 * and runtime metrics built, at the first scrape: evaluating it and starting its default metrics
 * cost ~15 ms of every start-up (bench/coldstart.ts). Its process figures (CPU, memory, file
 * descriptors, start time) are read at each scrape, so they are whole from the first one; the
 * event-loop delay statistics cover the time since the previous scrape, as they always did, and
 * start at the first.
 */
export function createMetrics() {
  const tallies = {
    httpRequests: new PlainCounter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'] as const,
    }),
    httpDuration: new PlainHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method and route template',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    cacheLookups: new PlainCounter({
      name: 'cache_lookups_total',
      help: 'In-process cache lookups by cache and result (hit or miss)',
      labelNames: ['cache', 'result'] as const,
    }),
    jobRuns: new PlainCounter({
      name: 'job_runs_total',
      help: 'Scheduled job runs by job and outcome (success, failure, skipped: still running from the last time)',
      labelNames: ['job', 'outcome'] as const,
    }),
    jobDuration: new PlainHistogram({
      name: 'job_duration_seconds',
      help: 'Scheduled job run time by job',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    }),
    jobLastSuccess: new PlainGauge({
      name: 'job_last_success_timestamp_seconds',
      help: 'When each scheduled job last succeeded (Unix time)',
      labelNames: ['job'] as const,
    }),
    webhookDeliveries: new PlainCounter({
      name: 'webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
      labelNames: ['outcome'] as const,
    }),
    emailAttempts: new PlainCounter({
      name: 'email_attempts_total',
      help: 'Email delivery attempts by outcome (sent, retry, failed)',
      labelNames: ['outcome'] as const,
    }),
  }
  let registry: Registry | undefined
  const registryOf = () => (registry ??= buildRegistry(Object.values(tallies)))
  return {
    ...tallies,
    /**
     * The text exposition. prom-client spells a not-a-number value `Nan`; the format says `NaN`
     * (strict parsers such as OpenMetrics' reject the other spelling).
     */
    async exposition(): Promise<string> {
      return (await registryOf().metrics()).replace(/ Nan$/gm, ' NaN')
    },
  }
}

/** A registry of prom-client's process and runtime metrics (less the unsound ones) and the tallies. */
function buildRegistry(tallies: PlainMetric[]): Registry {
  // `require`, so the bundler keeps prom-client out of start-up (evaluated here, the first time).
  const { Registry, collectDefaultMetrics } = require('prom-client') as typeof import('prom-client')
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  for (const name of [...UNSOUND_DEFAULTS, ...Object.keys(CPU_SECONDS)]) registry.removeSingleMetric(name)
  for (const metric of [...processCpuSeconds(), ...tallies]) registry.registerMetric(metric as unknown as Metric)
  return registry
}

/** prom-client's process CPU counters, as it names and explains them. */
const CPU_SECONDS = {
  process_cpu_user_seconds_total: { help: 'Total user CPU time spent in seconds.', micros: (usage: NodeJS.CpuUsage) => usage.user },
  process_cpu_system_seconds_total: { help: 'Total system CPU time spent in seconds.', micros: (usage: NodeJS.CpuUsage) => usage.system },
  process_cpu_seconds_total: { help: 'Total user and system CPU time spent in seconds.', micros: (usage: NodeJS.CpuUsage) => usage.user + usage.system },
}

/**
 * The process's CPU time since it started, read at each scrape. prom-client's own counters add up
 * the CPU used after they were registered: registered at the first scrape, they would leave out
 * everything before it.
 */
const processCpuSeconds = (): PlainMetric[] =>
  Object.entries(CPU_SECONDS).map(([name, { help, micros }]) => ({
    name,
    async get() {
      return { name, help, type: 'counter', values: [{ value: micros(process.cpuUsage()) / 1e6, labels: {} }], aggregator: 'sum' }
    },
    reset() {},
  }))

export type Metrics = ReturnType<typeof createMetrics>
