/**
 * Structured JSON logs with the keys of Powertools for AWS Lambda's logger, so dashboards,
 * queries and alarms written for Powertools keep working: `level`, `message`, `timestamp`,
 * `service`, `cold_start`, `function_arn`, `function_memory_size`, `function_name`,
 * `function_request_id`, `sampling_rate`, `xray_trace_id`, then the layer's persistent keys,
 * Effect's log annotations and log spans (duration in ms, by label) as keys, and an `error`
 * object (`name`, `location`, `message`, `stack`) when the log carries a cause.
 *
 * Debug sampling is decided once per invocation, as Powertools does: with probability
 * `sampleRate` every level down to `DEBUG` is logged for the whole invocation.
 *
 * The layer is all it takes: it registers an `InvocationHooks` hook with the runtime that logs
 * each invocation's program (the handler, its forked fibers, the event decoding, other hooks'
 * `onStart`) with the invocation's logger; the handler needs no wrapping.
 *
 * @example
 * ```ts
 * import { StructuredLogger } from "@effect-lambda/middleware"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 * import { Effect } from "effect"
 *
 * const handler = Handler.make({
 *   handle: () => Effect.log("order placed").pipe(Effect.annotateLogs({ orderId: "o-1" }))
 * })
 *
 * LambdaRuntime.runMain(handler, StructuredLogger.layer({ service: "orders", sampleRate: 0.1 }))
 * ```
 *
 * @since 0.1.0
 */
import { type Handler, InvocationHooks, type LambdaContext } from "@effect-lambda/runtime"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as List from "effect/List"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { format } from "node:util"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** `service` of every record. Default `POWERTOOLS_SERVICE_NAME`, else `service_undefined`. */
  readonly service?: string
  /**
   * Probability (0 to 1) that an invocation logs at `DEBUG`. Default
   * `POWERTOOLS_LOGGER_SAMPLE_RATE`, else 0.
   */
  readonly sampleRate?: number
  /**
   * Lowest level logged when not sampled. Default `POWERTOOLS_LOG_LEVEL`, else
   * `AWS_LAMBDA_LOG_LEVEL`, else `INFO`.
   */
  readonly logLevel?: LogLevel.LogLevel
  /** Keys added to every record, after Powertools' keys. */
  readonly persistentKeys?: Readonly<Record<string, unknown>>
  /** Where a record's line goes. Default `process.stdout`. */
  readonly write?: (line: string) => void
  /** Random numbers in [0, 1) for sampling. Default `Math.random`. */
  readonly random?: () => number
  /**
   * `AWS_LAMBDA_INITIALIZATION_TYPE`. As in Powertools, only an `on-demand` environment has a
   * cold start; provisioned concurrency and SnapStart environments log `cold_start: false`.
   */
  readonly initializationType?: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface StructuredLoggerShape {
  /** The resolved options. */
  readonly service: string
  readonly sampleRate: number
  readonly logLevel: LogLevel.LogLevel
  /**
   * The logger and minimum level of one invocation (decides its sampling and whether it is the
   * environment's cold start).
   */
  readonly forInvocation: (ctx: LambdaContext.LambdaContextShape) => {
    readonly logger: Logger.Logger<unknown, void>
    readonly minimumLevel: LogLevel.LogLevel
  }
}

/**
 * @since 0.1.0
 * @category tags
 */
export class StructuredLogger extends Context.Tag("@effect-lambda/middleware/StructuredLogger")<
  StructuredLogger,
  StructuredLoggerShape
>() {}

// Powertools' level names; Effect's Fatal is Powertools' CRITICAL.
const levelName = (level: LogLevel.LogLevel): string =>
  level._tag === "Fatal" ? "CRITICAL" : level._tag === "Warning" ? "WARN" : level.label

const LEVELS: Record<string, LogLevel.LogLevel> = {
  TRACE: LogLevel.Trace,
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARN: LogLevel.Warning,
  ERROR: LogLevel.Error,
  CRITICAL: LogLevel.Fatal,
  FATAL: LogLevel.Fatal,
  SILENT: LogLevel.None
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && Object.getPrototypeOf(u) === Object.prototype

// `Effect.log("placed", { orderId })` logs as Powertools' `logger.info("placed", { orderId })`:
// the first string is the message, plain objects after it are merged into the record.
const messageOf = (message: unknown, record: Record<string, unknown>): string => {
  const parts = Array.isArray(message) ? message : [message]
  if (typeof parts[0] === "string" && parts.slice(1).every(isPlainObject)) {
    for (const extra of parts.slice(1)) Object.assign(record, extra)
    return parts[0]
  }
  return format(...parts)
}

// Powertools' `getCodeLocation`: the first stack frame's file:line.
const locationOf = (stack: string | undefined): string => {
  const frame = stack?.split("\n").find((line) => line.trimStart().startsWith("at "))
  const match = frame === undefined ? null : /\(?([^\s()]+):(\d+):\d+\)?$/.exec(frame)
  return match === null ? "" : `${match[1]}:${match[2]}`
}

const errorOf = (cause: Cause.Cause<unknown>): Record<string, unknown> => {
  const error = Cause.squash(cause)
  if (error instanceof Error) {
    return { name: error.name, location: locationOf(error.stack), message: error.message, stack: error.stack }
  }
  return { name: "Error", location: "", message: String(error), stack: Cause.pretty(cause) }
}

// An annotation JSON cannot hold (a BigInt, a cycle) must not lose the record.
const stringify = (record: Record<string, unknown>): string => {
  try {
    return JSON.stringify(record)
  } catch {
    const seen = new WeakSet<object>()
    return JSON.stringify(record, (_key, value) => {
      if (typeof value === "bigint") return value.toString()
      if (typeof value === "object" && value !== null) {
        if (seen.has(value)) return "[Circular]"
        seen.add(value)
      }
      return value
    })
  }
}

// X-Ray's `Root=1-…;Parent=…;Sampled=1` -> the root id, as Powertools' `xray_trace_id`.
const xrayRoot = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const root = header.split(";").find((part) => part.trimStart().startsWith("Root="))
  return root?.trim().slice(5)
}

const writeStdout = (line: string) => {
  process.stdout.write(line)
}

/**
 * A structured logger from options alone (no `Config`), for tests and custom wiring.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options & { readonly service: string }): StructuredLoggerShape => {
  const write = options.write ?? writeStdout
  const random = options.random ?? Math.random
  const sampleRate = options.sampleRate ?? 0
  const logLevel = options.logLevel ?? LogLevel.Info
  const persistentKeys = options.persistentKeys ?? {}
  let coldStart = (options.initializationType ?? "on-demand") === "on-demand"
  return {
    service: options.service,
    sampleRate,
    logLevel,
    forInvocation: (ctx) => {
      // Powertools' rule: randomInt(0, 100) / 100 <= rate, drawn once per invocation.
      const sampled = sampleRate > 0 && Math.floor(random() * 100) / 100 <= sampleRate
      const base = {
        service: options.service,
        cold_start: coldStart,
        function_arn: ctx.invokedFunctionArn,
        // a string, as AWS's Node client puts it in the context Powertools reads
        function_memory_size: String(ctx.memoryLimitInMB),
        function_name: ctx.functionName,
        function_request_id: ctx.requestId,
        sampling_rate: sampleRate,
        xray_trace_id: xrayRoot(ctx.traceId),
        tenant_id: ctx.tenantId
      }
      coldStart = false
      const logger = Logger.make<unknown, void>(({ annotations, cause, date, logLevel: level, message, spans }) => {
        const record: Record<string, unknown> = {
          level: levelName(level),
          message: undefined,
          timestamp: date.toISOString(),
          ...base
        }
        Object.assign(record, persistentKeys)
        for (const [key, value] of HashMap.toEntries(annotations)) record[key] = value
        if (List.isCons(spans)) {
          const now = date.getTime()
          for (const span of spans) record[span.label] = now - span.startTime
        }
        record.message = messageOf(message, record)
        if (!Cause.isEmpty(cause)) record.error = errorOf(cause)
        write(stringify(record) + "\n")
      })
      return { logger, minimumLevel: sampled ? LogLevel.Debug : logLevel }
    }
  }
}

/**
 * The structured logger, configured by the options or Powertools' variables
 * (`POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_LOGGER_SAMPLE_RATE`, `POWERTOOLS_LOG_LEVEL`, then
 * `AWS_LAMBDA_LOG_LEVEL`), installed by the runtime around every invocation (an
 * `InvocationHooks` hook). A sample rate outside [0, 1] or an unknown level fails the layer
 * with a `ConfigError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<StructuredLogger, ConfigError.ConfigError> =>
  Layer.scoped(
    StructuredLogger,
    Effect.gen(function*() {
      const service = options.service ??
        (yield* Config.string("POWERTOOLS_SERVICE_NAME").pipe(Config.withDefault("service_undefined")))
      const sampleRate = options.sampleRate ?? (yield* Config.number("POWERTOOLS_LOGGER_SAMPLE_RATE").pipe(
        Config.validate({ message: "a sample rate between 0 and 1", validation: (n) => n >= 0 && n <= 1 }),
        Config.withDefault(0)
      ))
      const logLevel = options.logLevel ?? (yield* Config.string("POWERTOOLS_LOG_LEVEL").pipe(
        Config.orElse(() => Config.string("AWS_LAMBDA_LOG_LEVEL")),
        Config.mapOrFail((text) => {
          const level = LEVELS[text.toUpperCase()]
          return level === undefined
            ? Either.left(ConfigError.InvalidData([], `unknown log level ${JSON.stringify(text)}`))
            : Either.right(level)
        }),
        Config.withDefault(LogLevel.Info)
      ))
      const initializationType = options.initializationType ??
        (yield* Config.string("AWS_LAMBDA_INITIALIZATION_TYPE").pipe(Config.withDefault("on-demand")))
      const structured = make({ ...options, service, sampleRate, logLevel, initializationType })
      yield* InvocationHooks.register({ wrap: (effect, ctx) => logInvocation(structured, effect, ctx) })
      return structured
    })
  )

// One invocation's program, logged by its structured logger at its sampled level.
const logInvocation = <A, E, R>(
  structured: StructuredLoggerShape,
  effect: Effect.Effect<A, E, R>,
  ctx: LambdaContext.LambdaContextShape
): Effect.Effect<A, E, R> => {
  const { logger, minimumLevel } = structured.forInvocation(ctx)
  return effect.pipe(
    Effect.locally(FiberRef.currentLoggers, HashSet.make(logger)),
    Effect.locally(FiberRef.currentMinimumLogLevel, minimumLevel)
  )
}

/**
 * The handler itself: `layer` has the runtime log every invocation with the structured logger
 * (an `InvocationHooks` hook), so the handler needs no wrapping. Kept so code written for the
 * wrapping form still compiles; it decides no second sampling and no second cold start.
 *
 * @deprecated `StructuredLogger.layer` alone logs every invocation.
 * @since 0.1.0
 * @category combinators
 */
export const withLogging = <Event, A, E, R>(
  self: Handler.Handler<Event, A, E, R>
): Handler.Handler<Event, A, E, R | StructuredLogger> => self
