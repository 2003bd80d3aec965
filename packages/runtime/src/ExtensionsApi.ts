/**
 * The Lambda Extensions API (2020-01-01) as an Effect service with typed errors, plus the
 * Telemetry API (2022-07-01) subscription an extension makes with its identifier.
 *
 * An extension registers during init (`register`), then asks for events (`nextEvent`) in a loop:
 * `INVOKE` for each invocation (external extensions that subscribed to it), `SHUTDOWN` once, with a
 * deadline, when the environment stops. Failures are reported with `initError` (during init) or
 * `exitError` (before exiting).
 *
 * @since 0.1.0
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ExtensionsApi } from "@effect-lambda/runtime"
 *
 * const program = Effect.gen(function*() {
 *   const api = yield* ExtensionsApi.ExtensionsApi
 *   const { identifier } = yield* api.register("my-extension", ["INVOKE", "SHUTDOWN"])
 *   while (true) {
 *     const event = yield* api.nextEvent(identifier)
 *     if (event.eventType === "SHUTDOWN") return
 *   }
 * }).pipe(Effect.provide(ExtensionsApi.layer))
 * ```
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type { OutgoingHttpHeaders } from "node:http"
import {
  BadRequest,
  ContainerError,
  type ExtensionsApiError,
  Forbidden,
  InvalidAnswer,
  TransportError,
  UnexpectedStatus
} from "./ExtensionsApiError.js"
import * as SocketTransport from "./internal/socketTransport.js"
import * as Transport from "./internal/transport.js"

/**
 * The events an external extension can subscribe to. Internal extensions (in the runtime's own
 * process) can only subscribe to `INVOKE`.
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = "INVOKE" | "SHUTDOWN"

/**
 * @since 0.1.0
 * @category schemas
 */
export const InvokeEvent = Schema.Struct({
  eventType: Schema.Literal("INVOKE"),
  /** Epoch milliseconds at which the invocation times out. */
  deadlineMs: Schema.Number,
  requestId: Schema.String,
  invokedFunctionArn: Schema.String,
  tracing: Schema.optional(Schema.Struct({ type: Schema.String, value: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface InvokeEvent extends Schema.Schema.Type<typeof InvokeEvent> {}

/**
 * @since 0.1.0
 * @category schemas
 */
export const ShutdownEvent = Schema.Struct({
  eventType: Schema.Literal("SHUTDOWN"),
  /** `spindown`, `timeout` or `failure` (Lambda's words; kept as sent). */
  shutdownReason: Schema.String,
  /** Epoch milliseconds by which the extension must have exited. */
  deadlineMs: Schema.Number
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ShutdownEvent extends Schema.Schema.Type<typeof ShutdownEvent> {}

/**
 * @since 0.1.0
 * @category schemas
 */
export const Event = Schema.Union(InvokeEvent, ShutdownEvent)

/**
 * @since 0.1.0
 * @category models
 */
export type Event = InvokeEvent | ShutdownEvent

/**
 * What `register` answers: the identifier every later call sends, and the function it serves.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registration {
  /** `Lambda-Extension-Identifier` of the answer. */
  readonly identifier: string
  readonly functionName: string
  readonly functionVersion: string
  readonly handler: string
  /** Only when registered with `acceptAccountId`. */
  readonly accountId?: string
}

/**
 * Error details posted with `initError` / `exitError`. `errorType` goes in the
 * `Lambda-Extension-Function-Error-Type` header and must look like `Extension.<Reason>`
 * (Lambda answers 400 otherwise); the rest is the optional JSON body.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorDetails {
  readonly errorType: string
  readonly errorMessage?: string
  readonly stackTrace?: ReadonlyArray<string>
}

/**
 * A Telemetry API subscription (`PUT /2022-07-01/telemetry`): Lambda POSTs batches of events to
 * `destination.URI` (an HTTP server the extension runs, `http://sandbox.localdomain:<port>` on
 * Lambda).
 *
 * @since 0.1.0
 * @category models
 */
export interface TelemetrySubscription {
  readonly schemaVersion?: string
  readonly destination: { readonly protocol: "HTTP" | "TCP"; readonly URI: string }
  readonly types: ReadonlyArray<"platform" | "function" | "extension">
  readonly buffering?: { readonly maxItems?: number; readonly maxBytes?: number; readonly timeoutMs?: number }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ExtensionsApiShape {
  /**
   * `POST /extension/register` (only during init): `name` must be the file name of an external
   * extension's executable; an internal one may use any name.
   */
  readonly register: (
    name: string,
    events: ReadonlyArray<EventType>,
    options?: { readonly acceptAccountId?: boolean }
  ) => Effect.Effect<Registration, ExtensionsApiError>
  /** `GET /extension/event/next`: waits for the next event, with no timeout. */
  readonly nextEvent: (identifier: string) => Effect.Effect<Event, ExtensionsApiError>
  /** `POST /extension/init/error`: init failed; Lambda stops the environment. */
  readonly initError: (identifier: string, details: ErrorDetails) => Effect.Effect<void, ExtensionsApiError>
  /** `POST /extension/exit/error`: the extension is about to exit because of an error. */
  readonly exitError: (identifier: string, details: ErrorDetails) => Effect.Effect<void, ExtensionsApiError>
  /** `PUT /2022-07-01/telemetry` (Telemetry API): subscribe to the function's telemetry. */
  readonly subscribeTelemetry: (
    identifier: string,
    subscription: TelemetrySubscription
  ) => Effect.Effect<void, ExtensionsApiError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ExtensionsApi
  extends Context.Tag("@effect-lambda/runtime/ExtensionsApi")<ExtensionsApi, ExtensionsApiShape>()
{}

const PREFIX = "/2020-01-01/extension"
const TELEMETRY = "/2022-07-01/telemetry"
const USER_AGENT = Transport.USER_AGENT

const statusError = (operation: string, response: Transport.RawResponse): ExtensionsApiError => {
  const fields = Transport.errorFields("Extensions API", operation, response)
  switch (response.status) {
    case 400:
      return new BadRequest(fields)
    case 403:
      return new Forbidden(fields)
    case 500:
      return new ContainerError(fields)
    default:
      return new UnexpectedStatus({ ...fields, status: response.status })
  }
}

const header = (response: Transport.RawResponse, name: string): string | undefined => {
  const value = response.headers[name]
  return Array.isArray(value) ? value[0] : value
}

const RegisterAnswer = Schema.parseJson(Schema.Struct({
  functionName: Schema.String,
  functionVersion: Schema.String,
  handler: Schema.String,
  accountId: Schema.optional(Schema.String)
}))
const decodeRegister = Schema.decodeUnknownEither(RegisterAnswer)
const decodeEvent = Schema.decodeUnknownEither(Schema.parseJson(Event))

const describe = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) =>
    `${issue.path.length === 0 ? "" : `${JSON.stringify(issue.path)} `}${issue.message}`
  ).join("; ")

/**
 * Builds the live client for the Extensions API at `address` (`host:port`, the value of
 * `AWS_LAMBDA_RUNTIME_API`). Each call that waits (`nextEvent`) holds its own keep-alive
 * connection, so an event loop and error reports can run at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly address: string }): Effect.Effect<ExtensionsApiShape, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => SocketTransport.make(options.address, 2)),
      (transport) => Effect.sync(transport.close)
    ),
    (transport): ExtensionsApiShape => {
      const exchange = (
        operation: string,
        method: "GET" | "POST" | "PUT",
        path: string,
        headers: OutgoingHttpHeaders,
        body?: string
      ): Effect.Effect<Transport.RawResponse, ExtensionsApiError> =>
        transport.request(operation, method, path, { "user-agent": USER_AGENT, ...headers }, body).pipe(
          Effect.mapError((error) => new TransportError({ operation, message: error.message, cause: error.cause })),
          Effect.filterOrElse(
            (response) => response.status >= 200 && response.status < 300,
            (response) => Effect.fail(statusError(operation, response))
          )
        )
      const jsonHeaders = (body: string) => ({
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body)
      })
      const reportError = (operation: string) => (identifier: string, details: ErrorDetails) => {
        const body = JSON.stringify({
          errorType: details.errorType,
          errorMessage: details.errorMessage ?? "",
          stackTrace: details.stackTrace ?? []
        })
        return Effect.asVoid(exchange(operation, "POST", `${PREFIX}/${operation}`, {
          ...jsonHeaders(body),
          "lambda-extension-identifier": identifier,
          "lambda-extension-function-error-type": details.errorType
        }, body))
      }
      return {
        register: (name, events, registerOptions) => {
          const body = JSON.stringify({ events })
          return Effect.flatMap(
            exchange("register", "POST", `${PREFIX}/register`, {
              ...jsonHeaders(body),
              "lambda-extension-name": name,
              ...(registerOptions?.acceptAccountId === true ? { "lambda-extension-accept-feature": "accountId" } : {})
            }, body),
            (response): Effect.Effect<Registration, ExtensionsApiError> => {
              const identifier = header(response, "lambda-extension-identifier")
              if (identifier === undefined || identifier === "") {
                return Effect.fail(
                  new InvalidAnswer({
                    operation: "register",
                    message: "the answer has no Lambda-Extension-Identifier header"
                  })
                )
              }
              const decoded = decodeRegister(response.body.toString("utf8"))
              if (Either.isLeft(decoded)) {
                return Effect.fail(new InvalidAnswer({ operation: "register", message: describe(decoded.left) }))
              }
              const { accountId, ...rest } = decoded.right
              return Effect.succeed(
                accountId === undefined ? { identifier, ...rest } : { identifier, ...rest, accountId }
              )
            }
          )
        },
        nextEvent: (identifier) =>
          Effect.flatMap(
            exchange("event/next", "GET", `${PREFIX}/event/next`, { "lambda-extension-identifier": identifier }),
            (response): Effect.Effect<Event, ExtensionsApiError> => {
              const decoded = decodeEvent(response.body.toString("utf8"))
              return Either.isRight(decoded)
                ? Effect.succeed(decoded.right)
                : Effect.fail(new InvalidAnswer({ operation: "event/next", message: describe(decoded.left) }))
            }
          ),
        initError: reportError("init/error"),
        exitError: reportError("exit/error"),
        subscribeTelemetry: (identifier, subscription) => {
          const body = JSON.stringify({ schemaVersion: "2022-12-13", ...subscription })
          return Effect.asVoid(exchange("telemetry", "PUT", TELEMETRY, {
            ...jsonHeaders(body),
            "lambda-extension-identifier": identifier
          }, body))
        }
      }
    }
  )

/**
 * The live client for the API named by `AWS_LAMBDA_RUNTIME_API` (set for the runtime and for
 * external extensions alike).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ExtensionsApi, ConfigError.ConfigError> = Layer.scoped(
  ExtensionsApi,
  Effect.flatMap(Config.string("AWS_LAMBDA_RUNTIME_API"), (address) => make({ address }))
)

/**
 * The live client for the API at `address`, for tests and tools.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerAddress = (address: string): Layer.Layer<ExtensionsApi> =>
  Layer.scoped(ExtensionsApi, make({ address }))
