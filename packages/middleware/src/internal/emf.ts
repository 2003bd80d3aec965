/**
 * Effect metric snapshots to CloudWatch Embedded Metric Format records: the pure part of
 * `Metrics`, so the limits and deltas are tested without any I/O.
 *
 * @internal
 */
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"

/** EMF: a directive MUST NOT hold more than 100 metric definitions. */
export const MAX_METRICS = 100
/** EMF: a dimension set MUST NOT hold more than 30 dimension keys. */
export const MAX_DIMENSIONS = 30
/** EMF: a metric's value array MUST NOT hold more than 100 values. */
export const MAX_VALUES = 100

export type Unit =
  | "Seconds"
  | "Microseconds"
  | "Milliseconds"
  | "Bytes"
  | "Kilobytes"
  | "Megabytes"
  | "Gigabytes"
  | "Terabytes"
  | "Bits"
  | "Kilobits"
  | "Megabits"
  | "Gigabits"
  | "Terabits"
  | "Percent"
  | "Count"
  | "Bytes/Second"
  | "Kilobytes/Second"
  | "Megabytes/Second"
  | "Gigabytes/Second"
  | "Terabytes/Second"
  | "Bits/Second"
  | "Kilobits/Second"
  | "Megabits/Second"
  | "Gigabits/Second"
  | "Terabits/Second"
  | "Count/Second"
  | "None"

export interface EmfOptions {
  readonly namespace: string
  /** Dimensions of every record (`service` first), in order. */
  readonly dimensions: ReadonlyArray<readonly [string, string]>
  readonly units: Readonly<Record<string, Unit>>
  readonly highResolution: ReadonlySet<string>
  readonly include: (name: string) => boolean
}

/** One metric's values for this flush. */
interface Sample {
  readonly name: string
  readonly unit: Unit | undefined
  values: Array<number>
}

/** What the previous flush saw of each cumulative metric, by metric key. */
export type Previous = Map<string, number | ReadonlyArray<number> | ReadonlyMap<string, number>>

export interface EmfRecord {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<ReadonlyArray<string>>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: Unit; readonly StorageResolution?: 1 }>
    }>
  }
  readonly [member: string]: unknown
}

const keyOf = (pair: MetricPair.MetricPair.Untyped): string => {
  const tags = pair.metricKey.tags.map((tag) => `${tag.key}=${tag.value}`).sort().join(",")
  return `${pair.metricKey.name}{${tags}}`
}

const finite = (n: number | bigint): number | undefined => {
  const value = Number(n)
  return Number.isFinite(value) ? value : undefined
}

/**
 * The values each metric contributes since the previous flush: a counter its increase, a gauge
 * its value, a histogram its new observations (each as its bucket's upper bound, the largest
 * seen for the unbounded bucket), a frequency one count per key (`name.key`), a summary its
 * quantiles (`name.p50`…). Updates `previous`.
 */
const samplesOf = (
  pair: MetricPair.MetricPair.Untyped,
  previous: Previous,
  units: Readonly<Record<string, Unit>>
): Array<Sample> => {
  const name = pair.metricKey.name
  const state = pair.metricState
  const key = keyOf(pair)
  const unit = (metric: string, fallback?: Unit) => units[metric] ?? fallback
  if (MetricState.isCounterState(state)) {
    const now = Number(state.count)
    const before = (previous.get(key) as number | undefined) ?? 0
    previous.set(key, now)
    const delta = finite(now - before)
    return delta === undefined || delta === 0 ? [] : [{ name, unit: unit(name, "Count"), values: [delta] }]
  }
  if (MetricState.isGaugeState(state)) {
    const value = finite(state.value)
    return value === undefined ? [] : [{ name, unit: unit(name), values: [value] }]
  }
  if (MetricState.isHistogramState(state)) {
    const before = (previous.get(key) as ReadonlyArray<number> | undefined) ?? []
    const cumulative = state.buckets.map(([, count]) => count)
    previous.set(key, cumulative)
    const values: Array<number> = []
    let lastNow = 0
    let lastBefore = 0
    state.buckets.forEach(([bound, count], i) => {
      const inBucketNow = count - lastNow
      const inBucketBefore = (before[i] ?? lastBefore) - lastBefore
      lastNow = count
      lastBefore = before[i] ?? lastBefore
      const added = inBucketNow - inBucketBefore
      const value = Number.isFinite(bound) ? bound : state.max
      for (let k = 0; k < added; k++) values.push(value)
    })
    return values.length === 0 || !values.every(Number.isFinite) ? [] : [{ name, unit: unit(name), values }]
  }
  if (MetricState.isFrequencyState(state)) {
    const before = (previous.get(key) as ReadonlyMap<string, number> | undefined) ?? new Map<string, number>()
    previous.set(key, new Map(state.occurrences))
    const out: Array<Sample> = []
    for (const [occurrence, count] of state.occurrences) {
      const delta = count - (before.get(occurrence) ?? 0)
      const metric = `${name}.${occurrence}`
      if (delta > 0) out.push({ name: metric, unit: unit(metric, "Count"), values: [delta] })
    }
    return out
  }
  if (MetricState.isSummaryState(state)) {
    const out: Array<Sample> = []
    for (const [quantile, value] of state.quantiles) {
      if (value._tag === "Some" && Number.isFinite(value.value)) {
        const metric = `${name}.p${Math.round(quantile * 1000) / 10}`
        out.push({ name: metric, unit: unit(metric, unit(name)), values: [value.value] })
      }
    }
    return out
  }
  return []
}

/**
 * A long dimension list as dimension sets of at most 30 keys each: CloudWatch cannot aggregate
 * one metric over more than 30 dimensions, so each set becomes its own metric and every
 * dimension stays usable in a query.
 */
export const dimensionSets = (keys: ReadonlyArray<string>): Array<Array<string>> => {
  const sets: Array<Array<string>> = []
  for (let i = 0; i < keys.length; i += MAX_DIMENSIONS) sets.push(keys.slice(i, i + MAX_DIMENSIONS))
  return sets.length === 0 ? [[]] : sets
}

/**
 * The EMF records of one flush: one group of records per distinct set of dimensions (metric
 * tags added to the options' dimensions), each record holding at most 100 metrics of at most
 * 100 values; what does not fit goes on in the next record of the group.
 */
export const toRecords = (
  snapshot: Iterable<MetricPair.MetricPair.Untyped>,
  previous: Previous,
  options: EmfOptions,
  timestamp: number
): Array<EmfRecord> => {
  const groups = new Map<string, { dimensions: Array<readonly [string, string]>; samples: Array<Sample> }>()
  for (const pair of snapshot) {
    if (!options.include(pair.metricKey.name)) continue
    const samples = samplesOf(pair, previous, options.units)
    if (samples.length === 0) continue
    const dimensions = new Map(options.dimensions)
    for (const tag of pair.metricKey.tags) dimensions.set(tag.key, tag.value)
    const entries = [...dimensions]
    const groupKey = JSON.stringify(entries)
    let group = groups.get(groupKey)
    if (group === undefined) groups.set(groupKey, group = { dimensions: entries, samples: [] })
    group.samples.push(...samples)
  }
  const records: Array<EmfRecord> = []
  for (const group of groups.values()) {
    const sets = dimensionSets(group.dimensions.map(([key]) => key))
    const pending = group.samples
    while (pending.length > 0) {
      const batch = pending.splice(0, MAX_METRICS)
      const record: Record<string, unknown> = {}
      const metrics: Array<{ Name: string; Unit?: Unit; StorageResolution?: 1 }> = []
      for (const sample of batch) {
        const values = sample.values.splice(0, MAX_VALUES)
        // what did not fit goes to the next record, behind the metrics still waiting
        if (sample.values.length > 0) pending.push(sample)
        const definition: { Name: string; Unit?: Unit; StorageResolution?: 1 } = { Name: sample.name }
        if (sample.unit !== undefined) definition.Unit = sample.unit
        if (options.highResolution.has(sample.name)) definition.StorageResolution = 1
        metrics.push(definition)
        record[sample.name] = values.length === 1 ? values[0] : values
      }
      for (const [key, value] of group.dimensions) record[key] = value
      records.push({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [{ Namespace: options.namespace, Dimensions: sets, Metrics: metrics }]
        },
        ...record
      })
    }
  }
  return records
}

/** The cold start record, as Powertools writes it: `ColdStart` 1, by service and function name. */
export const coldStartRecord = (
  namespace: string,
  service: string,
  functionName: string,
  timestamp: number
): EmfRecord => ({
  _aws: {
    Timestamp: timestamp,
    CloudWatchMetrics: [{
      Namespace: namespace,
      Dimensions: [["service", "function_name"]],
      Metrics: [{ Name: "ColdStart", Unit: "Count" }]
    }]
  },
  service,
  function_name: functionName,
  ColdStart: 1
})
