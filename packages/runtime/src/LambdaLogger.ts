/**
 * An Effect `Logger` that writes Lambda's log formats, with the request id of the invocation
 * the log comes from:
 *
 * - Text: `timestamp<TAB>requestId<TAB>LEVEL<TAB>message`, new lines folded to `\r` so one
 *   entry stays one CloudWatch event (as AWS's Node client does);
 * - JSON: `{ timestamp, level, requestId, message, ...annotations }`.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as NodeUtil from "node:util"
import * as FunctionConfig from "./FunctionConfig.js"
import { LambdaContext } from "./LambdaContext.js"

// node:util is loaded on the first log line that needs it, not at cold start (importing it loads
// its diff and colour helpers, measured in the startup profile).
let util: typeof NodeUtil | undefined
const format = (...values: ReadonlyArray<unknown>): string =>
  (util ??= process.getBuiltinModule("node:util") as typeof NodeUtil).format(...values)

const formatMessage = (message: unknown): string =>
  Array.isArray(message)
    ? (message.length === 1 && typeof message[0] === "string" ? message[0] : format(...message))
    : typeof message === "string"
    ? message
    : format(message)

// An annotation JSON cannot hold (BigInt, a cycle) must not lose the log line.
const stringify = (entry: Record<string, unknown>): string => {
  try {
    return JSON.stringify(entry)
  } catch {
    const seen = new WeakSet<object>()
    return JSON.stringify(entry, (_key, value) => {
      if (typeof value === "bigint") return value.toString()
      if (typeof value === "object" && value !== null) {
        if (seen.has(value)) return "[Circular]"
        seen.add(value)
      }
      return value
    })
  }
}

const currentInvocation = (refs: FiberRefs.FiberRefs) =>
  Context.getOption(FiberRefs.getOrDefault(refs, FiberRef.currentContext), LambdaContext)

/**
 * Where the lines go; a test can collect them instead of writing to stdout.
 *
 * @since 0.1.0
 * @category models
 */
export type Sink = (line: string) => void

const stdout: Sink = (line) => {
  process.stdout.write(line)
}

/**
 * The Text format logger.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (sink: Sink = stdout): Logger.Logger<unknown, void> =>
  Logger.make(({ cause, context, date, logLevel, message }) => {
    const invocation = currentInvocation(context)
    // AWS's client prints the literal `undefined` outside an invocation: keep the column count.
    const requestId = Option.isSome(invocation) ? invocation.value.requestId : "undefined"
    let body = formatMessage(message)
    if (!Cause.isEmpty(cause)) body += ` ${Cause.pretty(cause, { renderErrorCause: true })}`
    sink(`${date.toISOString()}\t${requestId}\t${logLevel.label}\t${body.replace(/\n/g, "\r")}\n`)
  })

/**
 * The JSON format logger: one object per line; annotations become fields.
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = (sink: Sink = stdout): Logger.Logger<unknown, void> =>
  Logger.make(({ annotations, cause, context, date, logLevel, message }) => {
    const invocation = currentInvocation(context)
    const entry: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: logLevel.label,
      requestId: Option.isSome(invocation) ? invocation.value.requestId : undefined,
      message: formatMessage(message)
    }
    if (Option.isSome(invocation) && invocation.value.tenantId !== undefined) {
      entry.tenantId = invocation.value.tenantId
    }
    for (const [key, value] of HashMap.toEntries(annotations)) entry[key] = value
    if (!Cause.isEmpty(cause)) {
      const error = Cause.squash(cause)
      entry.errorType = error instanceof Error ? error.name : typeof error
      entry.errorMessage = error instanceof Error ? error.message : String(error)
      entry.stackTrace = Cause.pretty(cause).split("\n")
    }
    sink(`${stringify(entry)}\n`)
  })

/**
 * A logger for the given format.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (logFormat: FunctionConfig.LogFormat, sink?: Sink): Logger.Logger<unknown, void> =>
  logFormat === "JSON" ? json(sink) : text(sink)

/**
 * Replaces Effect's default logger with the Lambda logger and sets the minimum level, both as
 * `AWS_LAMBDA_LOG_FORMAT` / `AWS_LAMBDA_LOG_LEVEL` say.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, never, FunctionConfig.FunctionConfig> = Layer.unwrapEffect(
  Effect.map(FunctionConfig.FunctionConfig, (config) => layerWith(config))
)

/**
 * Replaces Effect's default logger with the Lambda logger of the given format and level.
 * Provide it once: a second `Logger.replace` finds no default logger left to replace and would
 * add a second logger (every line printed twice).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: {
  readonly logFormat: FunctionConfig.LogFormat
  readonly logLevel: LogLevel.LogLevel
  readonly sink?: Sink
}): Layer.Layer<never> =>
  Layer.merge(
    Logger.replace(Logger.defaultLogger, make(options.logFormat, options.sink)),
    Logger.minimumLogLevel(options.logLevel)
  )
