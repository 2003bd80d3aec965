/**
 * Effect's own `Metric` values (counters, gauges, histograms, frequencies, summaries) exported
 * to CloudWatch as Embedded Metric Format records: JSON lines on stdout that CloudWatch Logs
 * turns into metrics, with no API call and no extension.
 *
 * The layer is all it takes: it registers an `InvocationHooks` hook with the runtime, so the
 * records are written once per invocation, after the handler (failed or not, timed out too),
 * before its response is posted, and nothing waits in memory while Lambda freezes the environment. Counters and frequencies export what they gained
 * since the previous flush, histograms their new observations, gauges and summaries their
 * current values. Metric tags become dimensions, after `service` and the layer's dimensions.
 * EMF's limits are kept: at most 100 metrics per record and 100 values per metric (the rest go
 * in further records), at most 30 keys per dimension set (longer lists become several sets).
 * The first invocation of an environment also writes Powertools' `ColdStart` metric.
 *
 * @example
 * ```ts
 * import { Metrics } from "@effect-lambda/middleware"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 * import { Effect, Metric } from "effect"
 *
 * const orders = Metric.counter("orders")
 * const handler = Handler.make({
 *   handle: () => Metric.increment(orders).pipe(Effect.as({ ok: true }))
 * })
 *
 * LambdaRuntime.runMain(handler, Metrics.layer({ namespace: "shop" }))
 * ```
 *
 * @since 0.1.0
 */
import { type Handler, InvocationHooks } from "@effect-lambda/runtime"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Emf from "./internal/emf.js"

/**
 * CloudWatch's metric units.
 *
 * @since 0.1.0
 * @category models
 */
export type Unit = Emf.Unit

/**
 * One EMF record (a JSON object written as one line).
 *
 * @since 0.1.0
 * @category models
 */
export type EmfRecord = Emf.EmfRecord

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The CloudWatch namespace of every metric. Default `POWERTOOLS_METRICS_NAMESPACE`. */
  readonly namespace?: string
  /**
   * The `service` dimension of every metric. Default `POWERTOOLS_SERVICE_NAME`, else the
   * function's name.
   */
  readonly service?: string
  /** More dimensions for every metric (after `service`). */
  readonly dimensions?: Readonly<Record<string, string>>
  /** Units by metric name; counters and frequencies default to `Count`. */
  readonly units?: Readonly<Record<string, Unit>>
  /** Metrics stored at 1-second resolution (`StorageResolution: 1`). */
  readonly highResolution?: ReadonlyArray<string>
  /** Which metrics to export, by name. Default all. */
  readonly include?: (name: string) => boolean
  /**
   * Write Powertools' `ColdStart` metric on the first invocation of an on-demand environment.
   * Default `true`.
   */
  readonly coldStart?: boolean
  /** Where a record's line goes. Default `process.stdout`. */
  readonly write?: (line: string) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface MetricsShape {
  /**
   * Writes the records of the metrics changed since the previous flush (and, the first time,
   * `ColdStart`); returns them. The layer's invocation hook calls it once per invocation.
   */
  readonly flush: (functionName: string) => Effect.Effect<ReadonlyArray<EmfRecord>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Metrics extends Context.Tag("@effect-lambda/middleware/Metrics")<Metrics, MetricsShape>() {}

const writeStdout = (line: string) => {
  process.stdout.write(line)
}

/**
 * The EMF exporter of Effect's global metric registry, flushed by the runtime after every
 * invocation (an `InvocationHooks` hook the layer registers). `namespace` and `service` fall
 * back to Powertools' variables (`POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_SERVICE_NAME`); a
 * missing namespace fails the layer (and so the function's init) with a `ConfigError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}) =>
  Layer.scoped(
    Metrics,
    Effect.gen(function*() {
      const namespace = options.namespace ?? (yield* Config.string("POWERTOOLS_METRICS_NAMESPACE"))
      const service = options.service ??
        (yield* Config.option(Config.string("POWERTOOLS_SERVICE_NAME"))).pipe(Option.getOrUndefined)
      const write = options.write ?? writeStdout
      const previous: Emf.Previous = new Map()
      const highResolution = new Set(options.highResolution ?? [])
      const include = options.include ?? (() => true)
      // As in Powertools, only an on-demand environment has a cold start (not provisioned
      // concurrency or SnapStart, whose init ran long before the first invocation).
      const initializationType = yield* Config.string("AWS_LAMBDA_INITIALIZATION_TYPE").pipe(
        Config.withDefault("on-demand")
      )
      let coldStart = (options.coldStart ?? true) && initializationType === "on-demand"
      const flush = (functionName: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.sync(() => {
            const serviceName = service ?? functionName
            const records = Emf.toRecords(Metric.unsafeSnapshot(), previous, {
              namespace,
              dimensions: [["service", serviceName], ...Object.entries(options.dimensions ?? {})],
              units: options.units ?? {},
              highResolution,
              include
            }, now)
            if (coldStart) {
              coldStart = false
              records.unshift(Emf.coldStartRecord(namespace, serviceName, functionName, now))
            }
            // one write for the whole flush: fewer syscalls, and the lines stay together
            if (records.length > 0) write(records.map((record) => JSON.stringify(record) + "\n").join(""))
            return records
          }))
      yield* InvocationHooks.register({ onEnd: (ctx) => Effect.asVoid(flush(ctx.functionName)) })
      return Metrics.of({ flush })
    })
  )

/**
 * The handler itself: `layer` has the runtime flush the metrics after every invocation (an
 * `InvocationHooks` hook), so the handler needs no wrapping. Kept so code written for the
 * wrapping form still compiles; it adds no second flush.
 *
 * @deprecated `Metrics.layer` alone flushes after every invocation.
 * @since 0.1.0
 * @category combinators
 */
export const withMetrics = <Event, A, E, R>(
  self: Handler.Handler<Event, A, E, R>
): Handler.Handler<Event, A, E, R | Metrics> => self
