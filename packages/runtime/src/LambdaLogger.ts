/**
 * An Effect `Logger` that writes Lambda's log formats, with the request id of the invocation
 * the log comes from:
 *
 * - Text: `timestamp<TAB>requestId<TAB>LEVEL<TAB>message`, new lines folded to `\r` so one
 *   entry stays one CloudWatch event (as AWS's Node client does);
 * - JSON: `{ timestamp, level, requestId, message, ...annotations }`.
 *
 * `patchConsole` / `layerConsole` make `console.*` write the same formats, with the rules of AWS's
 * Node client (aws-lambda-ric `LogPatch.js`): `console.log` is `console.info`, `console.fatal` is
 * added, levels under `AWS_LAMBDA_LOG_LEVEL` are no-ops, and when `_LAMBDA_TELEMETRY_LOG_FD` is set
 * (on Lambda) every entry, Effect's and console's, goes to that file descriptor in Lambda's binary
 * frames, so a multi-line message stays one CloudWatch event.
 *
 * The request id of a console line is the one of the invocation it comes from, also with
 * `AWS_LAMBDA_MAX_CONCURRENCY` > 1: read from the calling fiber's `LambdaContext` when Effect code
 * logs, from an `AsyncLocalStorage` entered for the invocation or the current context of
 * `@aws/lambda-invoke-store` (`globalThis.awslambda.InvokeStore`) when a callback, timer or
 * promise does. Outside any invocation the request id is `-`, in Text and JSON, as AWS's client
 * (aws-lambda-ric 4.x) prints it.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Supervisor from "effect/Supervisor"
import type * as NodeAsyncHooks from "node:async_hooks"
import type * as NodeFs from "node:fs"
import type * as NodeUtil from "node:util"
import * as FunctionConfig from "./FunctionConfig.js"
import { LambdaContext, type LambdaContextShape } from "./LambdaContext.js"

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

// What AWS's client (aws-lambda-ric 4.x) prints as the request id of a line written outside any
// invocation, in Text and in JSON: `InvokeStore.getRequestId()`'s `"-"`.
const NO_REQUEST_ID = "-"

const invocationOf = (refs: FiberRefs.FiberRefs) =>
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

// Lambda's log levels as its telemetry frames encode them (aws-lambda-ric LogPatch.js).
const TLV_MASK: Record<string, number> = {
  TRACE: 0b00100,
  DEBUG: 0b01000,
  INFO: 0b01100,
  WARN: 0b10000,
  ERROR: 0b10100,
  FATAL: 0b11000
}

/**
 * Lambda's logging contract on `_LAMBDA_TELEMETRY_LOG_FD`: each entry is one frame, a 16-byte
 * header (u32 BE `0xa55a0003` text / `0xa55a0002` JSON, OR'd with the level's mask; u32 BE length;
 * u64 BE timestamp in microseconds) then the message, whose new lines stay as they are.
 */
const frameWriter = (fd: number, format: FunctionConfig.LogFormat) => {
  const fs = process.getBuiltinModule("node:fs") as typeof NodeFs
  const header = Buffer.alloc(16)
  const type = format === "JSON" ? 0xa55a0002 : 0xa55a0003
  // Text frames end with a new line, JSON frames do not (as AWS's client writes them).
  const end = format === "JSON" ? "" : "\n"
  return (level: string, date: Date, message: string): void => {
    const bytes = Buffer.from(message + end, "utf8")
    header.writeUInt32BE((type | (TLV_MASK[level] ?? 0)) >>> 0, 0)
    header.writeUInt32BE(bytes.length, 4)
    header.writeBigUInt64BE(BigInt(date.getTime()) * 1000n, 8)
    fs.writeSync(fd, header)
    fs.writeSync(fd, bytes)
  }
}

/** Writes one entry: `message` has no trailing new line. */
type Writer = (level: string, date: Date, message: string) => void

// `_LAMBDA_TELEMETRY_LOG_FD` is read once and removed from the environment, as AWS's client does,
// so a child process does not write frames into the same descriptor.
let telemetryFd: number | undefined | null = null
const takeTelemetryFd = (): number | undefined => {
  if (telemetryFd === null) {
    const value = process.env._LAMBDA_TELEMETRY_LOG_FD
    delete process.env._LAMBDA_TELEMETRY_LOG_FD
    const fd = value === undefined ? Number.NaN : Number.parseInt(value, 10)
    telemetryFd = Number.isInteger(fd) && fd >= 0 ? fd : undefined
  }
  return telemetryFd
}

const writerFor = (format: FunctionConfig.LogFormat, sink: Sink | undefined): Writer => {
  if (sink === undefined) {
    const fd = takeTelemetryFd()
    if (fd !== undefined) return frameWriter(fd, format)
  }
  const out = sink ?? stdout
  // One line per entry: new lines become `\r`, as AWS's client prints them on stdout.
  return (_level, _date, message) => out(`${message.replace(/\n/g, "\r")}\n`)
}

/**
 * The Text format logger.
 *
 * @since 0.1.0
 * @category constructors
 */
export const text = (sink?: Sink): Logger.Logger<unknown, void> => textWith(writerFor("Text", sink))

// The loggers `text`/`json` made: `layerWith` replaces any of them, so a Lambda logger installed
// earlier (the init logging of `runMain`, which a FiberRef join can leave behind) never stays
// beside the new one.
const lambdaLoggers = new WeakSet<Logger.Logger<unknown, void>>()
const lambdaLogger = (logger: Logger.Logger<unknown, void>): Logger.Logger<unknown, void> => {
  lambdaLoggers.add(logger)
  return logger
}

const textWith = (write: Writer): Logger.Logger<unknown, void> =>
  lambdaLogger(Logger.make(({ cause, context, date, logLevel, message }) => {
    const invocation = invocationOf(context)
    const requestId = Option.isSome(invocation) ? invocation.value.requestId : NO_REQUEST_ID
    let body = formatMessage(message)
    if (!Cause.isEmpty(cause)) body += ` ${Cause.pretty(cause, { renderErrorCause: true })}`
    write(logLevel.label, date, `${date.toISOString()}\t${requestId}\t${logLevel.label}\t${body}`)
  }))

/**
 * The JSON format logger: one object per line; annotations become fields.
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = (sink?: Sink): Logger.Logger<unknown, void> => jsonWith(writerFor("JSON", sink))

const jsonWith = (write: Writer): Logger.Logger<unknown, void> =>
  lambdaLogger(Logger.make(({ annotations, cause, context, date, logLevel, message }) => {
    const invocation = invocationOf(context)
    const entry: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: logLevel.label,
      requestId: Option.isSome(invocation) ? invocation.value.requestId : NO_REQUEST_ID,
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
    write(logLevel.label, date, stringify(entry))
  }))

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
 * Replaces Effect's default logger, and any Lambda logger already installed, with the Lambda
 * logger of the given format, and sets the level: provided again (init logging, then the
 * function's configuration), it still leaves one Lambda logger, so no line is printed twice.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: {
  readonly logFormat: FunctionConfig.LogFormat
  readonly logLevel: LogLevel.LogLevel
  readonly sink?: Sink
}): Layer.Layer<never> => {
  const logger = make(options.logFormat, options.sink)
  return Layer.merge(
    Layer.scopedDiscard(Effect.locallyScopedWith(FiberRef.currentLoggers, (loggers) =>
      HashSet.add(
        HashSet.filter(loggers, (other) => other !== Logger.defaultLogger && !lambdaLoggers.has(other)),
        logger
      ))),
    Logger.minimumLogLevel(options.logLevel)
  )
}

// ---------------------------------------------------------------------------------------------
// console.*

// The invocation a callback or promise belongs to, when no fiber is running (see `withInvocation`).
let storage: NodeAsyncHooks.AsyncLocalStorage<LambdaContextShape> | undefined
// The one invocation in progress when invocations run one at a time (AWS's client keeps it in
// `global[Symbol.for("aws.lambda.runtime.requestId")]` the same way).
let single: LambdaContextShape | undefined

/**
 * The invocation the running code belongs to: the calling fiber's `LambdaContext` when Effect
 * code runs, else the `AsyncLocalStorage` entered by `withInvocation`, else the invocation in
 * progress (one at a time), else none (init).
 *
 * @since 0.1.0
 * @category request id
 */
export const currentInvocation = (): LambdaContextShape | undefined => fiberOrStorage() ?? single

/** The calling fiber's `LambdaContext`, else the `AsyncLocalStorage` entered by `withInvocation`. */
const fiberOrStorage = (): LambdaContextShape | undefined => {
  const fiber = Fiber.getCurrentFiber()
  if (fiber._tag === "Some") {
    const context = Context.getOption(fiber.value.currentContext, LambdaContext)
    if (context._tag === "Some") return context.value
  }
  return storage?.getStore()
}

// The invoke store of @aws/lambda-invoke-store the runtimes publish as
// `globalThis.awslambda.InvokeStore` (internal/invoke.ts, internal/userFunctionConsole.ts), read
// through its keys (`Symbol.for`, shared by every copy of the package) so that this module does not
// load the package. Each invocation's context is entered around the start of its handler's fiber
// and, with several invocations at once (AsyncLocalStorage store), around every task of its fibers:
// so it also knows the invocation of a timer or callback set up in the handler's first
// synchronous stretch, before the fiber ever suspended and resumed (the supervisor below).
interface InvokeStoreLike {
  readonly get: (key: symbol) => unknown
}
const STORE_REQUEST_ID = Symbol.for("_AWS_LAMBDA_REQUEST_ID")
const STORE_TENANT_ID = Symbol.for("_AWS_LAMBDA_TENANT_ID")

const invokeStore = (): InvokeStoreLike | undefined => {
  const store = (globalThis as { awslambda?: { InvokeStore?: unknown } }).awslambda?.InvokeStore
  return typeof store === "object" && store !== null && typeof (store as InvokeStoreLike).get === "function"
    ? store as InvokeStoreLike
    : undefined
}

/** The request id and tenant id a console line is written with. */
interface LineIds {
  readonly requestId: string
  readonly tenantId?: string | undefined
}

const NO_INVOCATION: LineIds = { requestId: NO_REQUEST_ID }

// The invocation of a console line: the fiber's or the AsyncLocalStorage's (currentInvocation),
// else the invoke store's current context, else the one invocation in progress, else none.
const currentLineIds = (): LineIds => {
  const known = fiberOrStorage()
  if (known !== undefined) return known
  const store = invokeStore()
  const requestId = store?.get(STORE_REQUEST_ID)
  if (typeof requestId === "string") {
    const tenantId = store!.get(STORE_TENANT_ID)
    return { requestId, tenantId: typeof tenantId === "string" ? tenantId : undefined }
  }
  return single ?? NO_INVOCATION
}

/**
 * The request id of the invocation the running code belongs to, as a console line gets it:
 * the calling fiber's `LambdaContext`, the `AsyncLocalStorage` entered by `withInvocation`, the
 * current context of `@aws/lambda-invoke-store`, the invocation in progress (one at a time);
 * undefined outside any invocation.
 *
 * @since 0.1.0
 * @category request id
 */
export const currentRequestId = (): string | undefined => {
  const ids = currentLineIds()
  return ids === NO_INVOCATION ? undefined : ids.requestId
}

/**
 * Runs `f` as part of `invocation` for `console.*`: callbacks and promises it starts keep the
 * invocation (`AsyncLocalStorage`), and while invocations run one at a time it is also the
 * current one for code that has lost its async context. The runtime calls it around each
 * invocation; `concurrent` says several may be in progress.
 *
 * @since 0.1.0
 * @category request id
 */
export const withInvocation = <A>(invocation: LambdaContextShape, concurrent: boolean, f: () => A): A => {
  if (!concurrent) single = invocation
  return ensureStorage().run(invocation, f)
}

const ensureStorage = (): NodeAsyncHooks.AsyncLocalStorage<LambdaContextShape> => {
  if (storage === undefined) {
    const hooks = process.getBuiltinModule("node:async_hooks") as typeof NodeAsyncHooks
    storage = new hooks.AsyncLocalStorage()
  }
  return storage
}

/**
 * Marks the start of an invocation when invocations run one at a time: console lines from code
 * that runs outside any fiber (timers, promise callbacks) are attributed to it until
 * `endInvocation`.
 *
 * @since 0.1.0
 * @category request id
 */
export const beginInvocation = (invocation: LambdaContextShape): void => {
  single = invocation
}

// Each time a fiber of an invocation resumes, the invocation becomes the AsyncLocalStorage store
// of that stretch of synchronous code, so the promises and timers it starts keep it; on suspend it
// is cleared so the next fiber on the same tick does not inherit it.
class InvocationSupervisor extends Supervisor.AbstractSupervisor<void> {
  readonly value = Effect.void
  override onResume<A, E>(fiber: Fiber.RuntimeFiber<A, E>): void {
    const context = Context.getOption(fiber.currentContext, LambdaContext)
    if (context._tag === "Some") ensureStorage().enterWith(context.value)
  }
  override onSuspend<A, E>(_fiber: Fiber.RuntimeFiber<A, E>): void {
    storage?.enterWith(undefined as unknown as LambdaContextShape)
  }
}

/**
 * For concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY` > 1): supervise each invocation's
 * fiber with it (`Effect.supervised`) and the callbacks and promises its code starts log with
 * its request id. Costs a context lookup each time one of its fibers resumes, so the runtime only
 * uses it when invocations overlap.
 *
 * @since 0.1.0
 * @category request id
 */
export const invocationSupervisor: Supervisor.Supervisor<void> = new InvocationSupervisor()

/**
 * Ends the invocation started with `withInvocation` (one at a time): later lines are not
 * attributed to it.
 *
 * @since 0.1.0
 * @category request id
 */
export const endInvocation = (invocation: LambdaContextShape): void => {
  if (single === invocation) single = undefined
}

const isError = (u: unknown): u is Error => u instanceof Error

// JSON of an Error as AWS's client writes it: errorType, errorMessage, stackTrace, own fields.
const errorReplacer = (_key: string, value: unknown) =>
  isError(value)
    ? Object.assign({
      errorType: value.constructor?.name ?? "UnknownError",
      errorMessage: value.message,
      stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack
    }, value)
    : value

const consoleJson = (
  date: Date,
  level: string,
  invocation: LineIds,
  params: ReadonlyArray<unknown>
): string => {
  const entry: Record<string, unknown> = {
    timestamp: date.toISOString(),
    level,
    requestId: invocation.requestId
  }
  if (invocation.tenantId !== undefined) entry.tenantId = invocation.tenantId
  if (params.length === 1) {
    // One value is kept as a value (an object stays an object); one JSON cannot hold is formatted.
    entry.message = params[0]
    try {
      return JSON.stringify(entry, errorReplacer)
    } catch {
      entry.message = format(params[0])
      return JSON.stringify(entry)
    }
  }
  entry.message = format(...params)
  const error = params.find(isError)
  if (error !== undefined) {
    entry.errorType = error.constructor?.name ?? "UnknownError"
    entry.errorMessage = error.message
    entry.stackTrace = typeof error.stack === "string" ? error.stack.split("\n") : []
  }
  return JSON.stringify(entry)
}

const CONSOLE_LEVELS = [
  ["trace", "TRACE", LogLevel.Trace],
  ["debug", "DEBUG", LogLevel.Debug],
  ["info", "INFO", LogLevel.Info],
  ["warn", "WARN", LogLevel.Warning],
  ["error", "ERROR", LogLevel.Error],
  ["fatal", "FATAL", LogLevel.Fatal]
] as const

const noop = () => {}

/**
 * Replaces `console.trace/debug/info/log/warn/error` (and adds `console.fatal`) with functions
 * that write Lambda's format for `logFormat`, with the current invocation's request id; levels
 * under `logLevel` do nothing (`console.fatal` always writes, as AWS's client does). Returns the
 * function that puts the original console back.
 *
 * @since 0.1.0
 * @category console
 */
export const patchConsole = (options: {
  readonly logFormat: FunctionConfig.LogFormat
  readonly logLevel: LogLevel.LogLevel
  readonly sink?: Sink
}): () => void => {
  const target = console as unknown as Record<string, (...params: Array<unknown>) => void>
  const saved = new Map(["trace", "debug", "info", "log", "warn", "error", "fatal"].map((name) => [name, target[name]]))
  const write = writerFor(options.logFormat, options.sink)
  const json = options.logFormat === "JSON"
  for (const [method, level, logLevel] of CONSOLE_LEVELS) {
    const enabled = method === "fatal" || LogLevel.greaterThanEqual(logLevel, options.logLevel)
    target[method] = !enabled ? noop : (...params: Array<unknown>) => {
      const date = new Date()
      const invocation = currentLineIds()
      write(
        level,
        date,
        json
          ? consoleJson(date, level, invocation, params)
          : `${date.toISOString()}\t${invocation.requestId}\t${level}\t${format(...params)}`
      )
    }
  }
  target.log = target.info!
  return () => {
    for (const [name, original] of saved) {
      if (original === undefined) delete target[name]
      else target[name] = original
    }
  }
}

/**
 * `patchConsole` for the lifetime of the layer, with the function's `AWS_LAMBDA_LOG_FORMAT` and
 * `AWS_LAMBDA_LOG_LEVEL`.
 *
 * @since 0.1.0
 * @category console
 */
export const layerConsole = (options: {
  readonly logFormat: FunctionConfig.LogFormat
  readonly logLevel: LogLevel.LogLevel
  readonly sink?: Sink
}): Layer.Layer<never> =>
  Layer.scopedDiscard(
    Effect.acquireRelease(Effect.sync(() => patchConsole(options)), (restore) => Effect.sync(restore))
  )
