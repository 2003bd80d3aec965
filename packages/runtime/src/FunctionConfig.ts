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

const logLevel = Config.string("AWS_LAMBDA_LOG_LEVEL").pipe(
  Config.withDefault("TRACE"),
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
  Config.withDefault(1),
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
  handler: Config.string("_HANDLER").pipe(Config.withDefault("")),
  taskRoot: Config.string("LAMBDA_TASK_ROOT").pipe(Config.withDefault(process.cwd())),
  functionName: Config.string("AWS_LAMBDA_FUNCTION_NAME").pipe(Config.withDefault("test_function")),
  functionVersion: Config.string("AWS_LAMBDA_FUNCTION_VERSION").pipe(Config.withDefault("$LATEST")),
  memorySizeMb: Config.integer("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").pipe(Config.withDefault(3008)),
  logGroupName: Config.string("AWS_LAMBDA_LOG_GROUP_NAME").pipe(Config.withDefault("/aws/lambda/Functions")),
  logStreamName: Config.string("AWS_LAMBDA_LOG_STREAM_NAME").pipe(Config.withDefault("$LATEST")),
  region: Config.string("AWS_REGION").pipe(Config.withDefault("us-east-1")),
  logFormat: Config.string("AWS_LAMBDA_LOG_FORMAT").pipe(
    Config.withDefault("Text"),
    Config.map((value): LogFormat => value.toUpperCase() === "JSON" ? "JSON" : "Text")
  ),
  logLevel,
  initializationType: Config.string("AWS_LAMBDA_INITIALIZATION_TYPE").pipe(Config.withDefault("on-demand")),
  maxConcurrency
})

/**
 * Reads the configuration from the current `ConfigProvider` (the environment by default).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<FunctionConfig, ConfigError.ConfigError> = Layer.effect(FunctionConfig, config)
