/**
 * The environment a function's `bootstrap` starts with.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import type * as model from "./model.js"
import * as protocol from "./protocol.js"

export interface EnvironmentOptions {
  readonly config: model.Config
  readonly functionDir: string
  /** `AWS_LAMBDA_RUNTIME_API`: where the runtime finds this emulator. */
  readonly runtimeApi: string
  readonly handler: string | undefined
  readonly logFormat: "Text" | "JSON" | undefined
  /** The user's variables: they win over Lambda's defaults, except the two that tie the child to this emulator. */
  readonly env: Readonly<Record<string, string>> | undefined
}

/**
 * What a function inherits from the emulator's own environment: what Lambda also gives it (a
 * `PATH` to find its interpreter, the AWS credentials and region when the user has them set),
 * nothing else of the user's shell. Lambda sets the rest itself.
 */
export const inheritedNames: ReadonlyArray<string> = [
  "PATH",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_DEFAULT_REGION"
]

export const make = (options: EnvironmentOptions): Record<string, string> => {
  const { config } = options
  const inherited: Record<string, string> = {}
  for (const name of inheritedNames) {
    const value = process.env[name]
    if (value !== undefined) inherited[name] = value
  }
  const now = Date.now()
  return {
    ...inherited,
    AWS_LAMBDA_FUNCTION_NAME: config.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: protocol.functionVersion,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySizeMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(Duration.toSeconds(config.timeout)),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: protocol.newLogStreamName(now),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_EXECUTION_ENV: "AWS_Lambda_provided.al2023",
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    _HANDLER: options.handler ?? "",
    ...(options.logFormat === undefined ? {} : { AWS_LAMBDA_LOG_FORMAT: options.logFormat }),
    // the emulator's OTLP/HTTP receiver (`/v1/traces`): an OTLP exporter works with no settings
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${options.runtimeApi}`,
    ...options.env,
    // not overridable: they tie the child to this emulator
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    LAMBDA_TASK_ROOT: options.functionDir
  }
}
