/*
 * Counters, gauges and histograms kept as plain tallies: an increment is a few Map lookups and
 * additions, where prom-client hashes the label object, validates every label and builds strings
 * on each call (~2.3 µs per request for the HTTP counter and histogram together, PERFORMANCE.md).
 * They need nothing of prom-client, so it is loaded only at the first scrape (src/lib/metrics.ts).
 * Nothing is aggregated until a scrape: then `get()` hands prom-client's registry exactly the
 * values its own Counter, Gauge and Histogram would, so the /metrics text stays prom-client's,
 * byte for byte (test/lib/plain-metrics.test.ts compares them).
 */

type LabelValue = string | number
type Labels<L extends string> = Record<L, LabelValue>

/** Cells keyed by their label values, one nested Map level per label, kept in first-seen order. */
class Cells<L extends string, C> {
  private readonly root = new Map<LabelValue, unknown>()
  readonly ordered: C[] = []

  constructor(
    private readonly labelNames: readonly L[],
    private readonly create: (labels: Labels<L>) => C,
  ) {}

  get(labels: Labels<L>): C {
    const names = this.labelNames
    let level = this.root
    const last = names.length - 1
    for (let i = 0; i < last; i++) {
      const value = labels[names[i]!]
      let next = level.get(value) as Map<LabelValue, unknown> | undefined
      if (!next) {
        next = new Map()
        level.set(value, next)
      }
      level = next
    }
    const leafKey = labels[names[last]!]
    let cell = level.get(leafKey) as C | undefined
    if (cell === undefined) {
      // The labels object is kept as given, as prom-client keeps it (its key order is the text's).
      cell = this.create({ ...labels })
      level.set(leafKey, cell)
      this.ordered.push(cell)
    }
    return cell
  }

  clear() {
    this.root.clear()
    this.ordered.length = 0
  }
}

interface Config<L extends string> {
  name: string
  help: string
  labelNames: readonly L[]
}

/** What a prom-client registry's `registerMetric` takes and reads: a name and an async `get()`. */
export interface PlainMetric {
  readonly name: string
  get(): Promise<unknown>
  reset(): void
}

/** One number per label set, as prom-client's Counter and Gauge keep it (the same `get()`). */
abstract class PlainValues<L extends string> implements PlainMetric {
  abstract readonly type: 'counter' | 'gauge'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  protected readonly cells: Cells<L, { value: number; labels: Labels<L> }>

  constructor(config: Config<L>) {
    if (!config.labelNames.length) throw new Error(`a ${new.target.name} needs at least one label`)
    this.name = config.name
    this.help = config.help
    this.cells = new Cells(config.labelNames, (labels) => ({ value: 0, labels }))
  }

  reset() {
    this.cells.clear()
  }

  async get() {
    return {
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.cells.ordered.map((cell) => ({ value: cell.value, labels: cell.labels })),
      aggregator: this.aggregator,
    }
  }
}

/** A prom-client-compatible counter, incremented with plain additions. */
export class PlainCounter<L extends string> extends PlainValues<L> {
  readonly type = 'counter'

  inc(labels: Labels<L>, value = 1) {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    if (value < 0) throw new Error('It is not possible to decrease a counter')
    this.cells.get(labels).value += value
  }
}

/** A prom-client-compatible gauge, set with a plain assignment. */
export class PlainGauge<L extends string> extends PlainValues<L> {
  readonly type = 'gauge'

  set(labels: Labels<L>, value: number) {
    if (typeof value !== 'number') throw new TypeError(`Value is not a valid number: ${value}`)
    this.cells.get(labels).value = value
  }
}

interface Series<L extends string> {
  labels: Labels<L>
  /** Observations per bucket (not cumulative); past the last bound they only count. */
  buckets: Float64Array
  sum: number
  count: number
}

/** A prom-client-compatible histogram (same `get()` and text), observed with plain additions. */
export class PlainHistogram<L extends string> implements PlainMetric {
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  private readonly upperBounds: readonly number[]
  private readonly series: Cells<L, Series<L>>

  constructor(config: Config<L> & { buckets: readonly number[] }) {
    if (!config.labelNames.length) throw new Error('a PlainHistogram needs at least one label')
    this.name = config.name
    this.help = config.help
    this.upperBounds = [...config.buckets]
    this.series = new Cells(config.labelNames, (labels) => ({ labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 }))
  }

  observe(labels: Labels<L>, value: number) {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`)
    const series = this.series.get(labels)
    const bounds = this.upperBounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        series.buckets[i]! += 1
        break
      }
    }
    series.sum += value
    series.count += 1
  }

  reset() {
    this.series.clear()
  }

  /** What prom-client's Histogram gives the registry for its text: buckets, +Inf, sum, count per series. */
  async getForPromString() {
    const bucketName = `${this.name}_bucket`
    const values: { labels: Record<string, LabelValue>; sharedLabels: Labels<L>; value: number; metricName: string; exemplar?: null }[] = []
    for (const series of this.series.ordered) {
      let cumulative = 0
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += series.buckets[i]!
        values.push({ labels: { le: this.upperBounds[i]! }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null })
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null })
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** As prom-client's: the series' labels folded into each value's. */
  async get() {
    const data = await this.getForPromString()
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) }
  }
}
