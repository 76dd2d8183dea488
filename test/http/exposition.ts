/**
 * A strict check of the Prometheus text exposition format (version 0.0.4), written for the
 * tests: every family has one HELP and one TYPE before its samples, names and labels are
 * well-formed, label values correctly escaped, values are Go floats (NaN, +Inf, -Inf spelled
 * exactly), families are not split, histograms have ascending `le` buckets ending in +Inf with
 * matching _count and a _sum, and counters are never negative. Returns the problems found.
 */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)$/
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

function parseLabels(text: string, problems: string[], line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < text.length) {
    const eq = text.indexOf('=', i)
    if (eq < 0) {
      problems.push(`bad labels: ${line}`)
      break
    }
    const name = text.slice(i, eq)
    if (!LABEL_NAME.test(name) || name.startsWith('__')) problems.push(`bad label name "${name}": ${line}`)
    if (text[eq + 1] !== '"') {
      problems.push(`unquoted label value: ${line}`)
      break
    }
    let value = ''
    let j = eq + 2
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j]
        if (next === 'n') value += '\n'
        else if (next === '\\' || next === '"') value += next
        else problems.push(`bad escape \\${next}: ${line}`)
      } else if (text[j] === '\n') {
        problems.push(`raw newline in label value: ${line}`)
      } else value += text[j]
    }
    if (text[j] !== '"') problems.push(`unterminated label value: ${line}`)
    if (name in labels) problems.push(`duplicate label ${name}: ${line}`)
    labels[name] = value
    i = j + 1
    if (text[i] === ',') i++
    else if (i < text.length) {
      problems.push(`expected , between labels: ${line}`)
      break
    }
  }
  return labels
}

export function checkExposition(text: string): { problems: string[]; samples: Sample[] } {
  const problems: string[] = []
  const samples: Sample[] = []
  const types = new Map<string, string>()
  const helps = new Set<string>()
  const finished = new Set<string>()
  let current: string | undefined
  if (!text.endsWith('\n')) problems.push('the text does not end with a newline')

  const familyOf = (name: string) => {
    if (types.has(name)) return name
    for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined
      if (base && types.has(base)) return base
    }
    return undefined
  }

  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([^ ]+)(?: (.*))?$/.exec(line)
      if (!match) continue // other comments are allowed
      const [, kind, name, rest] = match
      if (!METRIC_NAME.test(name!)) problems.push(`bad metric name in ${kind}: ${line}`)
      if (finished.has(name!)) problems.push(`family ${name} declared again after its samples: ${line}`)
      if (current && current !== name) finished.add(current)
      current = name
      if (kind === 'HELP') {
        if (helps.has(name!)) problems.push(`second HELP for ${name}`)
        helps.add(name!)
        if (/\\[^n\\]/.test(rest ?? '')) problems.push(`bad escape in HELP: ${line}`)
      } else {
        if (types.has(name!)) problems.push(`second TYPE for ${name}`)
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest ?? '')) problems.push(`bad TYPE: ${line}`)
        types.set(name!, rest!)
      }
      continue
    }
    const match = SAMPLE.exec(line)
    if (!match) {
      problems.push(`not a sample line: ${JSON.stringify(line)}`)
      continue
    }
    const [, name, labelText, rawValue] = match
    if (!VALUE.test(rawValue!)) problems.push(`bad value "${rawValue}": ${line}`)
    const family = familyOf(name!)
    if (!family) problems.push(`sample without a TYPE: ${line}`)
    else if (family !== current) problems.push(`sample of ${family} outside its family block: ${line}`)
    const labels = labelText ? parseLabels(labelText, problems, line) : {}
    const value = rawValue === 'NaN' ? Number.NaN : rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue)
    if (family && types.get(family) === 'counter' && !(value >= 0)) problems.push(`negative or NaN counter: ${line}`)
    samples.push({ name: name!, labels, value })
  }

  for (const [family, type] of types) {
    if (!helps.has(family)) problems.push(`no HELP for ${family}`)
    if (type !== 'histogram') continue
    const series = new Map<string, Sample[]>()
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels
      if (le === undefined) problems.push(`${family}_bucket without le`)
      const key = JSON.stringify(rest)
      series.set(key, [...(series.get(key) ?? []), sample])
    }
    for (const [key, buckets] of series) {
      const bounds = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)))
      if (bounds.at(-1) !== Infinity) problems.push(`${family}${key}: last bucket is not +Inf`)
      for (let i = 1; i < buckets.length; i++) {
        if (!(bounds[i]! > bounds[i - 1]!)) problems.push(`${family}${key}: le not ascending`)
        if (buckets[i]!.value < buckets[i - 1]!.value) problems.push(`${family}${key}: buckets not cumulative`)
      }
      const sameSeries = (s: Sample) => JSON.stringify(s.labels) === key
      const count = samples.find((s) => s.name === `${family}_count` && sameSeries(s))
      const sum = samples.find((s) => s.name === `${family}_sum` && sameSeries(s))
      if (!count || count.value !== buckets.at(-1)!.value) problems.push(`${family}${key}: _count missing or not the +Inf bucket`)
      if (!sum) problems.push(`${family}${key}: _sum missing`)
    }
  }
  return { problems, samples }
}
