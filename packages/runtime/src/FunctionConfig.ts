/**
 * The function's environment as Lambda sets it, read once at init with `effect/Config`.
 * A value that does not parse fails init with a `ConfigError`, reported as
 * `Runtime.ConfigInvalid`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export type LogFormat = "Text" | "JSON"

/**
 * @since 0.1.0
 * @category models
 */
export interface FunctionConfig {
  /** `AWS_LAMBDA_RUNTIME_API`: `host:port` of the Runtime API. */
  readonly runtimeApi: string
  /** `_HANDLER`: which handler to run when the function exports several. */
  readonly handler: string
  readonly taskRoot: string
  readonly functionName: string
  readonly functionVersion: string
  readonly memorySizeMb: number
  readonly logGroupName: string
  readonly logStreamName: string
  readonly region: string
  /** `AWS_LAMBDA_LOG_FORMAT`: `JSON` (any case) selects JSON lines, anything else Text. */
  readonly logFormat: LogFormat
  /** `AWS_LAMBDA_LOG_LEVEL`: `TRACE` .. `FATAL`, default `TRACE` (everything), as AWS's client. */
  readonly logLevel: LogLevel.LogLevel
  /** `AWS_LAMBDA_INITIALIZATION_TYPE`: `on-demand`, `provisioned-concurrency`, `snap-start`, ... */
  readonly initializationType: string
  /** `AWS_LAMBDA_MAX_CONCURRENCY`: invocations served at once (Lambda Managed Instances); 1 when unset. */
  readonly maxConcurrency: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export const FunctionConfig: Context.Tag<FunctionConfig, FunctionConfig> = Context.GenericTag<FunctionConfig>(
  "@effect-lambda/runtime/FunctionConfig"
)

const LEVELS: Record<string, LogLevel.LogLevel> = {
  TRACE: LogLevel.Trace,
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARN: LogLevel.Warning,
  ERROR: LogLevel.Error,
  FATAL: LogLevel.Fatal
}

/** The defaults of `config` and `fromEnv` (AWS's runtime interface emulator's): one home for both. */
const defaults = {
  handler: "",
  functionName: "test_function",
  functionVersion: "$LATEST",
  memorySizeMb: 3008,
  logGroupName: "/aws/lambda/Functions",
  logStreamName: "$LATEST",
  region: "us-east-1",
  logFormat: "Text",
  logLevel: "TRACE",
  initializationType: "on-demand",
  maxConcurrency: 1
} as const

const logLevel = Config.string("AWS_LAMBDA_LOG_LEVEL").pipe(
  Config.withDefault(defaults.logLevel),
  Config.mapOrFail((value) => {
    const level = LEVELS[value.toUpperCase()]
    return level === undefined
      ? Either.left(
        ConfigError.InvalidData(
          ["AWS_LAMBDA_LOG_LEVEL"],
          `Expected one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL but received ${value}`
        )
      )
      : Either.right(level)
  })
)

const maxConcurrency = Config.integer("AWS_LAMBDA_MAX_CONCURRENCY").pipe(
  Config.withDefault(defaults.maxConcurrency),
  Config.validate({ message: "Expected a whole number of at least 1", validation: (n) => n >= 1 })
)

/**
 * The `Config` that reads a `FunctionConfig` from the environment. Defaults are those of
 * AWS's runtime interface emulator, so a function also starts outside Lambda.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<FunctionConfig> = Config.all({
  runtimeApi: Config.string("AWS_LAMBDA_RUNTIME_API"),
  handler: Config.string("_HANDLER").pipe(Config.withDefault(defaults.handler)),
  taskRoot: Config.string("LAMBDA_TASK_ROOT").pipe(Config.withDefault(process.cwd())),
  functionName: Config.string("AWS_LAMBDA_FUNCTION_NAME").pipe(Config.withDefault(defaults.functionName)),
  functionVersion: Config.string("AWS_LAMBDA_FUNCTION_VERSION").pipe(Config.withDefault(defaults.functionVersion)),
  memorySizeMb: Config.integer("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").pipe(Config.withDefault(defaults.memorySizeMb)),
  logGroupName: Config.string("AWS_LAMBDA_LOG_GROUP_NAME").pipe(Config.withDefault(defaults.logGroupName)),
  logStreamName: Config.string("AWS_LAMBDA_LOG_STREAM_NAME").pipe(Config.withDefault(defaults.logStreamName)),
  region: Config.string("AWS_REGION").pipe(Config.withDefault(defaults.region)),
  logFormat: Config.string("AWS_LAMBDA_LOG_FORMAT").pipe(
    Config.withDefault(defaults.logFormat),
    Config.map((value): LogFormat => value.toUpperCase() === "JSON" ? "JSON" : "Text")
  ),
  logLevel,
  initializationType: Config.string("AWS_LAMBDA_INITIALIZATION_TYPE").pipe(
    Config.withDefault(defaults.initializationType)
  ),
  maxConcurrency
})

/**
 * What `config` reads, read straight from `env` without `effect/Config`: the start of
 * `LambdaRuntime.runMain`, whose provider is the process environment, uses it because reading
 * these 13 variables through `effect/Config` costs ~6 ms of CPU on a cold start (measured for
 * issue 16; the whole start is ~100 ms). `None` when a value would not parse or the Runtime API
 * is missing: the caller then reads `config`, which reports the problem as a `ConfigError`.
 *
 * @since 0.1.0
 * @category config
 */
export const fromEnv = (env: Readonly<Record<string, string | undefined>>): Option.Option<FunctionConfig> => {
  const runtimeApi = env.AWS_LAMBDA_RUNTIME_API
  // As `Config.integer`: `Number` of the text, which must be a whole number.
  const integer = (name: string, fallback: number): number | undefined => {
    const text = env[name]
    if (text === undefined) return fallback
    const n = Number(text)
    return Number.isInteger(n) ? n : undefined
  }
  const memorySizeMb = integer("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", defaults.memorySizeMb)
  const maxConcurrency = integer("AWS_LAMBDA_MAX_CONCURRENCY", defaults.maxConcurrency)
  const logLevel = LEVELS[(env.AWS_LAMBDA_LOG_LEVEL ?? defaults.logLevel).toUpperCase()]
  if (
    runtimeApi === undefined || runtimeApi === "" || memorySizeMb === undefined || maxConcurrency === undefined ||
    maxConcurrency < 1 || logLevel === undefined
  ) return Option.none()
  return Option.some({
    runtimeApi,
    handler: env._HANDLER ?? defaults.handler,
    taskRoot: env.LAMBDA_TASK_ROOT ?? process.cwd(),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? defaults.functionName,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? defaults.functionVersion,
    memorySizeMb,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? defaults.logGroupName,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? defaults.logStreamName,
    region: env.AWS_REGION ?? defaults.region,
    logFormat: (env.AWS_LAMBDA_LOG_FORMAT ?? defaults.logFormat).toUpperCase() === "JSON" ? "JSON" : "Text",
    logLevel,
    initializationType: env.AWS_LAMBDA_INITIALIZATION_TYPE ?? defaults.initializationType,
    maxConcurrency
  })
}

/**
 * Reads the configuration from the current `ConfigProvider` (the environment by default).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<FunctionConfig, ConfigError.ConfigError> = Layer.effect(FunctionConfig, config)
