import { Metrics } from "@effect-lambda/middleware"
import { Handler } from "@effect-lambda/runtime"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import { MetricsContext } from "aws-embedded-metrics/lib/logger/MetricsContext.js"
import { LogSerializer } from "aws-embedded-metrics/lib/serializers/LogSerializer.js"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Schema from "effect/Schema"
import * as Emf from "../src/internal/emf.js"

// ---------------------------------------------------------------------------------------------
// The EMF specification (CloudWatch_Embedded_Metric_Format_Specification) as a Schema, plus the
// rules a JSON schema cannot say: every referenced member exists at the root, dimension values
// are strings, metric values are numbers or arrays of at most 100 numbers.
// ---------------------------------------------------------------------------------------------
const UNITS = [
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None"
] as const
const NonBlank = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024), Schema.pattern(/\S/))
const MetricDirective = Schema.Struct({
  Namespace: NonBlank,
  Dimensions: Schema.Array(
    Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(250))).pipe(Schema.maxItems(30))
  ),
  Metrics: Schema.Array(Schema.Struct({
    Name: NonBlank,
    Unit: Schema.optional(Schema.Literal(...UNITS)),
    StorageResolution: Schema.optional(Schema.Literal(1, 60))
  })).pipe(Schema.maxItems(100))
})
const EmfDocument = Schema.Struct(
  {
    _aws: Schema.Struct({
      Timestamp: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
      CloudWatchMetrics: Schema.Array(MetricDirective)
    })
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
const MetricValue = Schema.Union(
  Schema.Number,
  Schema.Array(Schema.Number).pipe(Schema.minItems(1), Schema.maxItems(100))
)

const validate = (line: string) => {
  const doc = Schema.decodeUnknownSync(Schema.parseJson(EmfDocument), { onExcessProperty: "error" })(line)
  for (const directive of doc._aws.CloudWatchMetrics) {
    for (const set of directive.Dimensions) {
      for (const key of set) expect(typeof doc[key], `dimension ${key}`).toBe("string")
    }
    for (const metric of directive.Metrics) Schema.decodeUnknownSync(MetricValue)(doc[metric.Name])
  }
  return doc
}

// aws-embedded-metrics refuses timestamps older than two weeks
const TIMESTAMP = Date.now()

const lines = (text: string) => text.split("\n").filter((line) => line !== "")

/** What aws-embedded-metrics writes for the same metrics, dimensions and namespace. */
const referenceRecords = (
  namespace: string,
  dimensions: Record<string, string>,
  metrics: ReadonlyArray<readonly [string, ReadonlyArray<number>, string?]>
) => {
  const context = MetricsContext.empty()
  context.setNamespace(namespace)
  context.setDimensions([dimensions])
  context.setTimestamp(TIMESTAMP)
  for (const [name, values, unit] of metrics) for (const value of values) context.putMetric(name, value, unit as any)
  return new LogSerializer().serialize(context).map((line) => JSON.parse(line))
}

/** Metric name -> every value it has over all records; and the member order aside, the same keys. */
const valuesByName = (records: ReadonlyArray<any>) => {
  const out: Record<string, Array<number>> = {}
  for (const record of records) {
    for (const metric of record._aws.CloudWatchMetrics[0].Metrics) {
      const value = record[metric.Name]
      ;(out[metric.Name] ??= []).push(...(Array.isArray(value) ? value : [value]))
    }
  }
  return out
}

const options = (namespace: string, prefix: string): Emf.EmfOptions => ({
  namespace,
  dimensions: [["service", "orders"]],
  units: {},
  highResolution: new Set(),
  include: (name) => name.startsWith(prefix)
})

describe("Metrics (EMF)", () => {
  it.effect("counters export their increase since the last flush; unchanged ones are left out", () =>
    Effect.gen(function*() {
      const placed = Metric.counter("t1_placed")
      const failed = Metric.counter("t1_failed")
      const previous: Emf.Previous = new Map()
      yield* Metric.incrementBy(placed, 3)
      yield* Metric.increment(failed)
      const first = Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t1_"), 1000)
      expect(first).toHaveLength(1)
      expect(first[0]).toMatchObject({ t1_placed: 3, t1_failed: 1, service: "orders" })
      yield* Metric.incrementBy(placed, 2)
      const second = Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t1_"), 2000)
      expect(second[0]).toMatchObject({ t1_placed: 2 })
      expect(second[0]).not.toHaveProperty("t1_failed")
      expect(Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t1_"), 3000)).toStrictEqual([])
      for (const record of [...first, ...second]) validate(JSON.stringify(record))
    }))

  it.effect("gauges, histograms (new observations by bucket), frequencies and tags as dimensions", () =>
    Effect.gen(function*() {
      const queue = Metric.gauge("t2_queue")
      const latency = Metric.histogram("t2_latency", MetricBoundaries.fromIterable([10, 100]))
      const status = Metric.frequency("t2_status")
      const previous: Emf.Previous = new Map()
      yield* Metric.set(queue, 7)
      yield* Metric.update(latency, 5)
      yield* Metric.update(latency, 50)
      yield* Metric.update(latency, 500)
      yield* Metric.update(status, "200")
      yield* Metric.update(status, "200")
      yield* Metric.increment(Metric.tagged(Metric.counter("t2_tagged"), "route", "/orders"))
      const records = Emf.toRecords(Metric.unsafeSnapshot(), previous, {
        ...options("shop", "t2_"),
        units: { t2_latency: "Milliseconds" }
      }, 1000)
      expect(records).toHaveLength(2)
      const plain = records.find((r) => !("route" in r))!
      expect(plain).toMatchObject({ t2_queue: 7, t2_latency: [10, 100, 500], "t2_status.200": 2 })
      expect(plain._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: "t2_latency", Unit: "Milliseconds" })
      const tagged = records.find((r) => "route" in r)!
      expect(tagged._aws.CloudWatchMetrics[0]!.Dimensions).toStrictEqual([["service", "route"]])
      expect(tagged).toMatchObject({ route: "/orders", t2_tagged: 1 })
      yield* Metric.update(latency, 7)
      const next = Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t2_"), 2000)
      expect(next[0]).toMatchObject({ t2_latency: 10, t2_queue: 7 })
      for (const record of [...records, ...next]) validate(JSON.stringify(record))
    }))

  it.effect("EMF limits: 250 metrics and a 250-value histogram split like aws-embedded-metrics does", () =>
    Effect.gen(function*() {
      const previous: Emf.Previous = new Map()
      const many = Array.from({ length: 250 }, (_, i) => `t3_m${String(i).padStart(3, "0")}`)
      for (const name of many) yield* Metric.incrementBy(Metric.counter(name), 2)
      const records = Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t3_"), 0)
      const reference = referenceRecords(
        "shop",
        { service: "orders" },
        many.map((name) => [name, [2], "Count"] as const)
      )
      expect(records).toHaveLength(reference.length)
      expect(records.map((r) => r._aws.CloudWatchMetrics[0]!.Metrics.length)).toStrictEqual([100, 100, 50])
      expect(valuesByName(records)).toStrictEqual(valuesByName(reference))
      for (const record of records) validate(JSON.stringify(record))

      const histogram = Metric.histogram(
        "t4_h",
        MetricBoundaries.fromIterable(Array.from({ length: 250 }, (_, i) => i + 1))
      )
      for (let i = 1; i <= 250; i++) yield* Metric.update(histogram, i)
      yield* Metric.increment(Metric.counter("t4_c"))
      const split = Emf.toRecords(Metric.unsafeSnapshot(), previous, options("shop", "t4_"), 0)
      const ref = referenceRecords("shop", { service: "orders" }, [
        ["t4_h", Array.from({ length: 250 }, (_, i) => i + 1)],
        ["t4_c", [1], "Count"]
      ])
      expect(split).toHaveLength(ref.length)
      expect(split).toHaveLength(3)
      expect(valuesByName(split)).toStrictEqual(valuesByName(ref))
      for (const record of split) validate(JSON.stringify(record))
    }))

  it("EMF limits: more than 30 dimensions become several sets of at most 30 (aws-embedded-metrics refuses them)", () => {
    const dims = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`d${i}`, `v${i}`]))
    expect(() => referenceRecords("shop", dims, [["x", [1]]])).toThrow(/Maximum number of dimensions/)
    const records = Emf.toRecords(
      Metric.unsafeSnapshot().filter((pair) => pair.metricKey.name === "t3_m000"),
      new Map(),
      { ...options("shop", "t3_"), dimensions: Object.entries(dims) },
      0
    )
    const doc = validate(JSON.stringify(records[0]))
    const sets = doc._aws.CloudWatchMetrics[0]!.Dimensions
    expect(sets.map((set) => set.length)).toStrictEqual([30, 10])
    expect(sets.flat()).toStrictEqual(Object.keys(dims))
  })

  it("same record as aws-embedded-metrics for the same metrics (Timestamp aside)", () => {
    const previous: Emf.Previous = new Map()
    Effect.runSync(Metric.incrementBy(Metric.counter("t5_orders"), 4))
    Effect.runSync(Metric.set(Metric.gauge("t5_depth"), 12))
    const [ours] = Emf.toRecords(Metric.unsafeSnapshot(), previous, {
      ...options("shop", "t5_"),
      units: { t5_depth: "None" }
    }, TIMESTAMP)
    const [theirs] = referenceRecords("shop", { service: "orders" }, [["t5_orders", [4], "Count"], [
      "t5_depth",
      [12],
      "None"
    ]])
    const sortMetrics = (record: any) => ({
      ...record,
      _aws: {
        ...record._aws,
        CloudWatchMetrics: record._aws.CloudWatchMetrics.map((d: any) => ({
          ...d,
          Metrics: [...d.Metrics].sort((a: any, b: any) => a.Name.localeCompare(b.Name))
        }))
      }
    })
    expect(sortMetrics(ours)).toStrictEqual(sortMetrics(theirs))
  })

  it.effect("the layer alone: one flush per invocation, failed ones too, written before the response is posted, ColdStart first", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      // how many reports the Runtime API had received when each flush was written
      const reportsAtFlush: Array<number> = []
      let reports: Effect.Effect<ReadonlyArray<unknown>> = Effect.succeed([])
      const handled = Metric.counter("t6_handled")
      const handler = Handler.make({
        event: Schema.Struct({ fail: Schema.optional(Schema.Boolean) }),
        handle: (event) =>
          Effect.zipRight(
            Metric.increment(handled),
            event.fail === true ? Effect.fail(new Error("boom")) : Effect.succeed("ok")
          )
      })
      const layer = Metrics.layer({
        namespace: "shop",
        service: "orders",
        include: (name) => name.startsWith("t6_"),
        write: (text) => {
          written.push(text)
          reportsAtFlush.push(Effect.runSync(reports).length)
        }
      })
      const { api } = yield* LambdaTest.start(handler, layer)
      reports = api.reports
      yield* api.report(yield* api.enqueue({}))
      const failed = yield* api.report(yield* api.enqueue({ fail: true }))
      expect(failed.errorType).toBe("Runtime.UnhandledError")
      expect(reportsAtFlush).toStrictEqual([0, 1])
      const [coldStart, metrics] = lines(written[0]!).map(validate)
      expect(coldStart).toMatchObject({ ColdStart: 1, service: "orders", function_name: "test_function" })
      expect(coldStart!._aws.CloudWatchMetrics[0]!.Dimensions).toStrictEqual([["service", "function_name"]])
      expect(metrics).toMatchObject({ t6_handled: 1, service: "orders" })
      const second = lines(written[1]!).map(validate)
      expect(second).toHaveLength(1)
      expect(second[0]).toMatchObject({ t6_handled: 1 })
      expect(second[0]).not.toHaveProperty("ColdStart")
    }).pipe(Effect.scoped))

  it.effect("the deprecated withMetrics adds no second flush", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      const counted = Metric.counter("t7_counted")
      const handler = Handler.make({ handle: () => Metric.increment(counted) }).pipe(Metrics.withMetrics)
      const layer = Metrics.layer({
        namespace: "shop",
        coldStart: false,
        include: (name) => name.startsWith("t7_"),
        write: (text) => written.push(text)
      })
      const { api } = yield* LambdaTest.start(handler, layer)
      yield* api.report(yield* api.enqueue({}))
      yield* api.report(yield* api.enqueue({}))
      expect(written.map((text) => lines(text).map(validate))).toMatchObject([[{ t7_counted: 1 }], [{ t7_counted: 1 }]])
    }).pipe(Effect.scoped))

  it.effect("a missing namespace fails the layer with a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.scoped(Layer.build(Metrics.layer())))
      expect(ConfigError.isConfigError(error)).toBe(true)
    }))
})
