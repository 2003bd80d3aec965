/**
 * The Lambda Runtime API (2018-06-01) as an Effect service with typed errors.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { OutgoingHttpHeaders } from "node:http"
import * as ErrorReport from "./ErrorReport.js"
import * as FunctionConfig from "./FunctionConfig.js"
import * as FastPath from "./internal/fastPath.js"
import * as HttpTransport from "./internal/httpTransport.js"
import * as SocketTransport from "./internal/socketTransport.js"
import * as Transport from "./internal/transport.js"
import * as Invocation from "./Invocation.js"
import * as ResponseStream from "./ResponseStream.js"
import {
  BadRequest,
  ContainerError,
  Forbidden,
  type InvalidInvocation,
  PayloadTooLarge,
  type RuntimeApiError,
  UnexpectedStatus
} from "./RuntimeApiError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RuntimeApiShape {
  /** Long-polls the next invocation. Never times out. */
  readonly next: Effect.Effect<Invocation.Invocation, RuntimeApiError | InvalidInvocation>
  /** Posts the result of an invocation. */
  readonly respond: (
    requestId: string,
    body: string | Uint8Array,
    contentType?: string
  ) => Effect.Effect<void, RuntimeApiError>
  /**
   * Streams the result of an invocation (`Lambda-Runtime-Function-Response-Mode: streaming`):
   * see `ResponseStream.run` for what happens on failure before and after the first byte.
   */
  readonly respondStream: <E, R>(
    requestId: string,
    body: Stream.Stream<Uint8Array, E, R>,
    options: ResponseStream.Options<E>
  ) => Effect.Effect<void, E | RuntimeApiError, R>
  /** Reports a failed invocation. */
  readonly fail: (requestId: string, report: ErrorReport.ErrorReport) => Effect.Effect<void, RuntimeApiError>
  /** Reports that init failed; the runtime exits afterwards. */
  readonly initError: (report: ErrorReport.ErrorReport) => Effect.Effect<void, RuntimeApiError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RuntimeApi extends Context.Tag("@effect-lambda/runtime/RuntimeApi")<RuntimeApi, RuntimeApiShape>() {}

/**
 * How the live client talks HTTP to the Runtime API.
 *
 * @since 0.1.0
 * @category models
 */
export type TransportKind = "socket" | "node-http"

const PREFIX = "/2018-06-01/runtime"
const USER_AGENT = Transport.USER_AGENT

const statusError = (
  operation: string,
  response: Transport.RawResponse,
  size: number
): RuntimeApiError => {
  const fields = Transport.errorFields("Runtime API", operation, response)
  switch (response.status) {
    case 400:
      return new BadRequest(fields)
    case 403:
      return new Forbidden(fields)
    case 413:
      return new PayloadTooLarge({ ...fields, size })
    case 500:
      return new ContainerError(fields)
    default:
      return new UnexpectedStatus({ ...fields, status: response.status })
  }
}

const byteLength = (body: string | Uint8Array): number =>
  typeof body === "string" ? Buffer.byteLength(body) : body.byteLength

const errorHeaders = (report: ErrorReport.ErrorReport, body: string): OutgoingHttpHeaders => ({
  "content-type": "application/json",
  "content-length": Buffer.byteLength(body),
  "user-agent": USER_AGENT,
  "lambda-runtime-function-error-type": report.header,
  "lambda-runtime-function-xray-error-cause": ErrorReport.toXRayCause(report)
})

/**
 * Builds the live client for the Runtime API at `address` (`host:port`). `maxSockets` bounds
 * the keep-alive connections: one per concurrent invocation loop.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: {
  readonly address: string
  readonly maxSockets?: number
  /**
   * `socket` (default): HTTP/1.1 directly on keep-alive sockets, the fastest; `node-http`:
   * node:http with a keep-alive agent. Without this option, `EFFECT_LAMBDA_TRANSPORT` decides.
   */
  readonly transport?: TransportKind
}): Effect.Effect<RuntimeApiShape, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        const kind = options.transport ?? (process.env.EFFECT_LAMBDA_TRANSPORT === "node-http" ? "node-http" : "socket")
        return (kind === "node-http" ? HttpTransport.make : SocketTransport.make)(
          options.address,
          options.maxSockets ?? 1
        )
      }),
      (transport) => Effect.sync(transport.close)
    ),
    (transport): RuntimeApiShape => {
      const posted = (operation: string, response: Transport.RawResponse, body: string | Uint8Array) =>
        response.status >= 200 && response.status < 300 ? undefined : statusError(operation, response, byteLength(body))
      const post = (operation: string, path: string, headers: OutgoingHttpHeaders, body: string | Uint8Array) =>
        Effect.flatMap(
          transport.request(operation, "POST", path, headers, body),
          (response): Effect.Effect<void, RuntimeApiError> => {
            const error = posted(operation, response, body)
            return error === undefined ? Effect.void : Effect.fail(error)
          }
        )
      const nextHeaders = { "user-agent": USER_AGENT }
      const nextPath = `${PREFIX}/invocation/next`
      const invocationOf = (
        response: Transport.RawResponse
      ): Either.Either<Invocation.Invocation, RuntimeApiError | InvalidInvocation> =>
        response.status !== 200
          ? Either.left(statusError("next", response, 0))
          : Invocation.decode(response.headers, response.body)
      const responsePath = (requestId: string) => `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`
      const responseHeaders = (contentType: string, body: string | Uint8Array): OutgoingHttpHeaders => ({
        "content-type": contentType,
        "content-length": byteLength(body),
        "user-agent": USER_AGENT
      })
      const fast: FastPath.FastPath = {
        next: (done) =>
          transport.send(
            "next",
            "GET",
            nextPath,
            nextHeaders,
            undefined,
            (outcome) => done(outcome._tag === "Failure" ? Either.left(outcome.error) : invocationOf(outcome.response))
          ),
        respond: (requestId, body, contentType, done) =>
          transport.send(
            "response",
            "POST",
            responsePath(requestId),
            responseHeaders(contentType, body),
            body,
            (outcome) => done(outcome._tag === "Failure" ? outcome.error : posted("response", outcome.response, body))
          )
      }
      return FastPath.attach({
        next: Effect.flatMap(
          transport.request("next", "GET", nextPath, nextHeaders),
          (response): Effect.Effect<Invocation.Invocation, RuntimeApiError | InvalidInvocation> => {
            const decoded = invocationOf(response)
            return Either.isRight(decoded) ? Effect.succeed(decoded.right) : Effect.fail(decoded.left)
          }
        ),
        respond: (requestId, body, contentType = "application/json") =>
          post("response", responsePath(requestId), responseHeaders(contentType, body), body),
        respondStream: (requestId, body, options) =>
          ResponseStream.run(body, () => {
            const request = transport.openStream(
              "response",
              `${PREFIX}/invocation/${encodeURIComponent(requestId)}/response`,
              {
                "content-type": options.contentType,
                "transfer-encoding": "chunked",
                "lambda-runtime-function-response-mode": "streaming",
                "trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
                "user-agent": USER_AGENT
              }
            )
            let written = 0
            const checked = (response: Transport.RawResponse): Effect.Effect<void, RuntimeApiError> =>
              response.status >= 200 && response.status < 300
                ? Effect.void
                : Effect.fail(statusError("response", response, written))
            return {
              write: (chunk) => {
                written += chunk.byteLength
                const early = request.early()
                return early !== undefined ? checked(early) : request.write(chunk)
              },
              finish: (trailers) =>
                Effect.flatMap(request.end(trailers as Record<string, string> | undefined), checked),
              abort: request.abort
            }
          }, options),
        fail: (requestId, report) => {
          const body = ErrorReport.toBody(report)
          return post(
            "error",
            `${PREFIX}/invocation/${encodeURIComponent(requestId)}/error`,
            errorHeaders(report, body),
            body
          )
        },
        initError: (report) => {
          const body = ErrorReport.toBody(report)
          return post("init/error", `${PREFIX}/init/error`, errorHeaders(report, body), body)
        }
      }, fast)
    }
  )

/**
 * The live client for the Runtime API named by `AWS_LAMBDA_RUNTIME_API`, with one keep-alive
 * connection per concurrent invocation (`AWS_LAMBDA_MAX_CONCURRENCY`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<RuntimeApi, never, FunctionConfig.FunctionConfig> = Layer.scoped(
  RuntimeApi,
  Effect.flatMap(
    FunctionConfig.FunctionConfig,
    (config) => make({ address: config.runtimeApi, maxSockets: config.maxConcurrency })
  )
)

/**
 * The live client for the Runtime API at `address`, for tests and tools.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAddress = (address: string, maxSockets = 1, transport?: TransportKind): Layer.Layer<RuntimeApi> =>
  Layer.scoped(RuntimeApi, make(transport === undefined ? { address, maxSockets } : { address, maxSockets, transport }))

/**
 * The live client configured from the environment with `effect/Config`: the Runtime API at
 * `AWS_LAMBDA_RUNTIME_API` (required), one keep-alive connection per concurrent invocation
 * (`AWS_LAMBDA_MAX_CONCURRENCY`, 1 when unset). A bad concurrency value gives one connection
 * here: `LambdaRuntime.run` reports it at init as `Runtime.ConfigInvalid`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Handler, LambdaRuntime, RuntimeApi } from "@effect-lambda/runtime"
 *
 * const handler = Handler.make({ handle: () => Effect.succeed("ok") })
 * const program = LambdaRuntime.run(handler, Layer.empty).pipe(Effect.provide(RuntimeApi.layerConfig))
 * ```
 */
export const layerConfig: Layer.Layer<RuntimeApi, ConfigError.ConfigError> = Layer.scoped(
  RuntimeApi,
  Effect.flatMap(
    Config.all({
      address: Config.nonEmptyString("AWS_LAMBDA_RUNTIME_API"),
      maxSockets: Config.integer("AWS_LAMBDA_MAX_CONCURRENCY").pipe(
        Config.withDefault(1),
        Config.map((n) => n > 0 ? n : 1),
        Config.orElse(() => Config.succeed(1))
      )
    }),
    make
  )
)
