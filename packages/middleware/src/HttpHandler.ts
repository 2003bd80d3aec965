/**
 * Runs an `@effect/platform` HTTP app (an `HttpRouter`, or any `HttpApp`) as a Lambda function
 * behind API Gateway (REST v1 or HTTP API v2), a Function URL or an Application Load Balancer.
 *
 * Each event becomes an `HttpServerRequest` (method, path, raw query string, lower-cased
 * headers with repeated values joined, cookies, remote address, body decoded from base64 when
 * AWS sent it so), and the app's `HttpServerResponse` becomes the result shape of the source
 * (Set-Cookie as `cookies` for 2.0 and as multi-value headers for 1.0 and ALB, binary content
 * types base64 encoded). Failures of the app become HTTP responses exactly as `@effect/platform`
 * servers make them (`RouteNotFound` -> 404, a body that does not parse or decode -> 400,
 * anything else -> 500), so they are answers, not Lambda errors.
 *
 * @since 0.1.0
 */
import { Alb, ApiGateway, FunctionUrl } from "@effect-lambda/events"
import { Handler } from "@effect-lambda/runtime"
import * as Etag from "@effect/platform/Etag"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApp from "@effect/platform/HttpApp"
import type { HttpMiddleware } from "@effect/platform/HttpMiddleware"
import * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Path from "@effect/platform/Path"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as internal from "./internal/httpHandler.js"

/**
 * Where the HTTP request came from: it decides the event and result shapes.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = internal.Source

/**
 * What `make` accepts: one source, or `"auto"` to accept all four and answer each in its own
 * shape (detected from the event: `version: "2.0"` is API Gateway 2.0 or a Function URL,
 * `requestContext.elb` is an ALB, anything else API Gateway 1.0).
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = Source | "auto"

/**
 * The event of each `EventType`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Events {
  readonly apiGatewayV2: ApiGateway.ApiGatewayProxyEventV2
  readonly apiGatewayV1: ApiGateway.ApiGatewayProxyEvent
  readonly functionUrl: FunctionUrl.FunctionUrlEvent
  readonly alb: Alb.AlbEvent
  readonly auto: internal.AnyEvent
}

/**
 * The result of each `EventType`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Results {
  readonly apiGatewayV2: ApiGateway.ApiGatewayProxyResultV2
  readonly apiGatewayV1: ApiGateway.ApiGatewayProxyResult
  readonly functionUrl: FunctionUrl.FunctionUrlResult
  readonly alb: Alb.AlbResult
  readonly auto: internal.AnyResult
}

/**
 * The Lambda event behind the current HTTP request, for what the HTTP request cannot carry:
 * authorizer claims, stage variables, the API Gateway request id.
 *
 * @since 0.1.0
 * @category tags
 * @example
 * ```ts
 * import { HttpHandler } from "@effect-lambda/middleware"
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Path from "@effect/platform/Path"
 * import { Effect } from "effect"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get("/whoami", Effect.gen(function*() {
 *     const { event, source } = yield* HttpHandler.RequestEvent
 *     // API Gateway 2.0: the JWT claims its authorizer checked
 *     const claims = source === "apiGatewayV2" ? event.requestContext.authorizer?.jwt?.claims : undefined
 *     return yield* HttpServerResponse.json({ source, claims })
 *   }))
 * )
 * ```
 */
export class RequestEvent extends Context.Tag("@effect-lambda/middleware/HttpHandler/RequestEvent")<
  RequestEvent,
  SourceEvent
>() {}

/**
 * The event of a request with its source; `source` tells the event's type apart.
 *
 * @since 0.1.0
 * @category models
 */
export type SourceEvent = {
  readonly [S in Source]: { readonly source: S; readonly event: Events[S] }
}[Source]

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<T extends EventType> {
  /** Default `"auto"`. Naming the source decodes with its Schema only (cheaper, stricter). */
  readonly event?: T
  /**
   * Whether a response of this content type is sent base64 encoded. Default: everything but
   * text, JSON, XML, JavaScript and forms; a body without a content type is sent as text
   * when it is valid UTF-8. A response with `content-encoding` is always base64.
   */
  readonly isBinary?: (contentType: string | undefined) => boolean
  /** `HttpMiddleware` applied around the app, as `HttpServer.serve(app, middleware)` does. */
  readonly middleware?: HttpMiddleware
}

/**
 * The default `isBinary`.
 *
 * @since 0.1.0
 * @category constants
 */
export const isBinary: (contentType: string | undefined) => boolean = internal.defaultIsBinary

const schemas = {
  apiGatewayV2: ApiGateway.ApiGatewayProxyEventV2,
  apiGatewayV1: ApiGateway.ApiGatewayProxyEvent,
  functionUrl: FunctionUrl.FunctionUrlEvent,
  alb: Alb.AlbEvent,
  // 2.0 first (the common case); Function URL for early events without routeKey/stage.
  auto: Schema.Union(
    ApiGateway.ApiGatewayProxyEventV2,
    FunctionUrl.FunctionUrlEvent,
    ApiGateway.ApiGatewayProxyEvent,
    Alb.AlbEvent
  )
} as const

const badRequest = HttpServerResponse.text("Bad Request", { status: 400 })

/** The platform appends the response it answered with to the cause, as a defect: drop it. */
const withoutResponses = <E>(cause: Cause.Cause<E>): Cause.Cause<E> =>
  Cause.filter(cause, (part) => !(part._tag === "Die" && HttpServerResponse.isServerResponse(part.defect)))

/**
 * Turns an HTTP app into a Lambda handler for HTTP events.
 *
 * The app runs with the `HttpServerRequest` of the event, a `Scope` closed when the response has
 * been rendered, `RequestEvent`, and the `LambdaContext` of the invocation. Server errors (5xx)
 * are logged with their cause at error level, client errors (4xx) at debug level.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { HttpHandler } from "@effect-lambda/middleware"
 * import { LambdaRuntime } from "@effect-lambda/runtime"
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import * as HttpPlatform from "@effect/platform/HttpPlatform"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Path from "@effect/platform/Path"
 * import { Effect, Layer } from "effect"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get("/hello/:name", Effect.map(HttpRouter.params, (p) => HttpServerResponse.text(`hello ${p.name}`)))
 * )
 *
 * export const handler = HttpHandler.make(router, { event: "apiGatewayV2" })
 *
 * LambdaRuntime.runMain(handler, Layer.empty)
 * ```
 */
export const make = <E, R, const T extends EventType = "auto">(
  app: HttpApp.Default<E, R>,
  options: Options<T> = {}
): Handler.Handler<
  Events[T],
  Results[T],
  never,
  Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope | RequestEvent>
> => {
  const eventType: EventType = options.event ?? "auto"
  const renderOptions: internal.RenderOptions = { isBinary: options.isBinary ?? internal.defaultIsBinary }
  // The deadline interrupts the handler: let it reach the app, which `toHandled` runs
  // uninterruptibly around (so that a response is always rendered).
  const interruptibleApp = Effect.interruptible(app)

  const handle = (event: internal.AnyEvent): Effect.Effect<internal.AnyResult, never, any> => {
    const source = eventType === "auto" ? internal.sourceOf(event) : eventType
    const albMultiValue = internal.isAlbMultiValue(event, source)
    let request: HttpServerRequest.HttpServerRequest
    try {
      request = internal.toServerRequest(event, source)
    } catch (cause) {
      // A method or URL that a web Request refuses: the client's fault.
      return Effect.zipRight(
        Effect.logDebug("HTTP request refused", cause),
        internal.render(badRequest, source, { method: "GET", albMultiValue }, renderOptions)
      )
    }
    let result: internal.AnyResult | undefined
    const meta = { method: request.method, albMultiValue }
    const handled = HttpApp.toHandled(
      interruptibleApp,
      (_request, response) =>
        Effect.map(internal.render(response, source, meta, renderOptions), (rendered) => {
          result = rendered
        }),
      options.middleware
    )
    return handled.pipe(
      // `toHandled` still fails after answering an error, with the cause behind the answer.
      // Settled uninterruptibly: when the deadline interrupted the app, the interruption must
      // leave without the 503 the platform rendered, so the runtime reports a timeout.
      Effect.catchAllCause((cause) => {
        const reason = withoutResponses(cause)
        if (result === undefined || Cause.isInterrupted(reason)) return Effect.failCause(reason)
        return result.statusCode >= 500
          ? Effect.logError("HTTP handler failed", reason)
          : Effect.logDebug("HTTP client error", reason)
      }),
      Effect.uninterruptible,
      Effect.provide(
        Context.make(HttpServerRequest.HttpServerRequest, request).pipe(
          Context.add(RequestEvent, { source, event } as SourceEvent)
        )
      ),
      Effect.map(() => result!)
    )
  }

  return Handler.make({ event: schemas[eventType] as Schema.Schema<any, any, never>, handle }) as any
}

// What an `HttpApi` app needs besides its handlers: the platform services of
// `HttpRouter.DefaultServices`. A Lambda function serves no files from disk, so the file system is
// a no-op one (an `HttpServerResponse.file` answers 500).
const defaultServices = Layer.provideMerge(
  HttpPlatform.layer,
  Layer.mergeAll(FileSystem.layerNoop({}), Etag.layerWeak, Path.layer)
)

/**
 * Runs an `@effect/platform` `HttpApi` (typed endpoints, schemas, OpenAPI) as a Lambda function:
 * `apiLayer` is the layer `HttpApiBuilder.api(Api)` builds, with its groups' handlers provided.
 * Requests that do not match an endpoint answer 404, payloads, paths, query strings and headers
 * that do not decode answer 400 with the API's error body, and endpoint errors answer with the
 * status their schema declares, as an `HttpApi` served by a platform server does.
 *
 * The API's layer is built once, by the first invocation, in the function's context (so its
 * handlers may use the services of the function's layer) and kept for the environment's
 * lifetime; put resources with finalizers in the function's layer, whose scope the runtime
 * closes at shutdown.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
 * import { HttpHandler } from "@effect-lambda/middleware"
 * import { Effect, Layer, Schema } from "effect"
 *
 * class Api extends HttpApi.make("api").add(
 *   HttpApiGroup.make("hello").add(HttpApiEndpoint.get("greet", "/hello").addSuccess(Schema.String))
 * ) {}
 * const HelloLive = HttpApiBuilder.group(Api, "hello", (handlers) => handlers.handle("greet", () => Effect.succeed("hi")))
 * const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide(HelloLive))
 *
 * export const handler = HttpHandler.fromHttpApi(ApiLive, { event: "apiGatewayV2" })
 * ```
 */
export const fromHttpApi = <E, R, const T extends EventType = "auto">(
  apiLayer: Layer.Layer<HttpApi.Api, E, R>,
  options: Options<T> = {}
): Handler.Handler<
  Events[T],
  Results[T],
  never,
  Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope | RequestEvent>
> => {
  const build = Effect.gen(function*() {
    // Never closed: lives as long as the execution environment (see above).
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      Layer.mergeAll(apiLayer, HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer).pipe(
        Layer.provideMerge(defaultServices)
      ),
      scope
    )
    const app = yield* Effect.provide(HttpApiBuilder.httpApp, context)
    return Effect.provide(app, context)
  })
  // Built by the first invocation that needs it; a build failure is kept too, so every
  // invocation reports it instead of rebuilding on each request.
  const cached = Effect.runSync(Effect.cached(build))
  const app = Effect.flatMap(cached, (app) => app) as HttpApp.Default<E, R>
  return make(app, options) as any
}
