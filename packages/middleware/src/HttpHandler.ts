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
 * `makeStreaming` / `fromHttpApiStreaming` answer Function URLs in `RESPONSE_STREAM` mode
 * instead: the response's status, headers and cookies in the streaming prelude, its body posted
 * as it is produced.
 *
 * @since 0.1.0
 */
import { Alb, ApiGateway, FunctionUrl } from "@effect-lambda/events"
import { Handler, HttpResponseStream } from "@effect-lambda/runtime"
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
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
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
 * import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
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
 * After `HttpApp.toHandled`: an app that answered (`status`) has its cause logged, server errors
 * at error level and client errors at debug level; one that did not answer, or was interrupted
 * (the deadline), fails with it, so the runtime reports a failure or a timeout.
 */
const settleAnswered = <E>(cause: Cause.Cause<E>, status: number | undefined): Effect.Effect<void, E> => {
  const reason = withoutResponses(cause)
  if (status === undefined || Cause.isInterrupted(reason)) return Effect.failCause(reason)
  return status >= 500
    ? Effect.logError("HTTP handler failed", reason)
    : Effect.logDebug("HTTP client error", reason)
}

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
 * import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
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
      Effect.catchAllCause((cause) => settleAnswered(cause, result?.statusCode)),
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
 * The app of an `HttpApi` layer, built by the first invocation that needs it; a build failure is
 * kept too, so every invocation reports it instead of rebuilding on each request.
 */
const httpApiApp = <E, R>(apiLayer: Layer.Layer<HttpApi.Api, E, R>): HttpApp.Default<E, R> => {
  const build = Effect.gen(function*() {
    // Never closed: lives as long as the execution environment (see `fromHttpApi`).
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
  const cached = Effect.runSync(Effect.cached(build))
  return Effect.flatMap(cached, (app) => app) as HttpApp.Default<E, R>
}

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
  return make(httpApiApp(apiLayer), options) as any
}

/**
 * @since 0.1.0
 * @category type ids
 */
export const ResponseBodyErrorTypeId: unique symbol = Symbol.for(
  "@effect-lambda/middleware/HttpHandler/ResponseBodyError"
)

/**
 * @since 0.1.0
 * @category type ids
 */
export type ResponseBodyErrorTypeId = typeof ResponseBodyErrorTypeId

/**
 * A streamed response's body could not be sent: a `Raw` body of a kind that cannot be streamed
 * (reported before any byte, as the invocation's error), or a web `ReadableStream` / async
 * iterable body that failed while it was read (reported in the stream's error trailers).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseBodyError extends Schema.TaggedError<ResponseBodyError>()("ResponseBodyError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  /** @since 0.1.0 */
  readonly [ResponseBodyErrorTypeId]: ResponseBodyErrorTypeId = ResponseBodyErrorTypeId
}

/**
 * @since 0.1.0
 * @category refinements
 */
export const isResponseBodyError = (u: unknown): u is ResponseBodyError =>
  Predicate.hasProperty(u, ResponseBodyErrorTypeId)

/**
 * @since 0.1.0
 * @category models
 */
export interface StreamingOptions {
  /** `HttpMiddleware` applied around the app, as `HttpServer.serve(app, middleware)` does. */
  readonly middleware?: HttpMiddleware
}

/** The body of a streaming response as a stream of bytes, plus headers only the web rendering knows. */
const streamBody = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<
  { readonly body: Stream.Stream<Uint8Array, unknown>; readonly contentType?: string | null },
  ResponseBodyError
> => {
  const body = response.body
  const bodyError = (what: string) => (cause: unknown) =>
    new ResponseBodyError({ message: `the response body failed while it was read (${what})`, cause })
  switch (body._tag) {
    case "Empty":
      return Effect.succeed({ body: Stream.empty })
    case "Uint8Array":
      return Effect.succeed({ body: body.body.length === 0 ? Stream.empty : Stream.succeed(body.body) })
    case "Stream":
      return Effect.succeed({ body: body.stream })
    case "FormData":
      // The platform's web rendering writes the multipart body and its boundary header.
      return Effect.map(Effect.runtime<never>(), (runtime) => {
        const web = HttpServerResponse.toWeb(response, { runtime })
        return {
          contentType: web.headers.get("content-type"),
          body: web.body === null
            ? Stream.empty
            : Stream.fromReadableStream({ evaluate: () => web.body!, onError: bodyError("FormData") })
        }
      })
    case "Raw": {
      const raw: unknown = body.body
      if (typeof raw === "string") return Effect.succeed({ body: Stream.succeed(new TextEncoder().encode(raw)) })
      if (raw instanceof Uint8Array) return Effect.succeed({ body: Stream.succeed(raw) })
      if (raw instanceof ReadableStream) {
        return Effect.succeed({
          body: Stream.fromReadableStream({
            evaluate: () => raw as ReadableStream<Uint8Array>,
            onError: bodyError("ReadableStream")
          })
        })
      }
      // Node.js Readables are async iterables of Buffers (or strings, with an encoding).
      if (Predicate.hasProperty(raw, Symbol.asyncIterator)) {
        return Effect.succeed({
          body: Stream.map(
            Stream.fromAsyncIterable(raw as AsyncIterable<Uint8Array | string>, bodyError("async iterable")),
            (chunk) => typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk
          )
        })
      }
      return Effect.fail(
        new ResponseBodyError({
          message: "a Raw response body must be a string, a Uint8Array, a ReadableStream or an async iterable " +
            `to be streamed, got ${raw === null ? "null" : typeof raw}`
        })
      )
    }
  }
}

/**
 * Turns an HTTP app into a Lambda handler for Function URLs in `RESPONSE_STREAM` invoke mode
 * (and `InvokeWithResponseStream` callers sending Function URL events): the status, headers and
 * cookies of the app's `HttpServerResponse` go in the HTTP prelude, and its body is posted as it
 * is produced. An `HttpServerResponse.stream` body is sent chunk by chunk with backpressure, so a
 * response may outgrow the 6 MB of buffered responses and its first bytes reach the client while
 * the rest is computed; `Uint8Array`, text and JSON bodies go out at once, `FormData` through the
 * platform's multipart rendering, `Raw` web streams and Node.js readables as they are read (any
 * other `Raw` body fails the invocation with `ResponseBodyError`).
 *
 * The request's `Scope` stays open until the body has been sent. Failures of the app are answered
 * as `make` answers them (404, 400, 500); a body stream that fails after the prelude went out
 * ends the response with Lambda's error trailers, as any streamed response (the client sees a cut
 * response).
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { HttpHandler } from "@effect-lambda/middleware"
 * import { LambdaRuntime } from "@effect-lambda/runtime"
 * import * as HttpRouter from "@effect/platform/HttpRouter"
 * import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
 * import { Effect, Layer, Schedule, Stream } from "effect"
 *
 * const ticks = Stream.range(1, 5).pipe(
 *   Stream.schedule(Schedule.spaced("1 second")),
 *   Stream.map((n) => `data: ${n}\n\n`),
 *   Stream.encodeText
 * )
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get("/ticks", Effect.succeed(HttpServerResponse.stream(ticks, { contentType: "text/event-stream" })))
 * )
 *
 * export const handler = HttpHandler.makeStreaming(router)
 *
 * LambdaRuntime.runMain(handler, Layer.empty)
 * ```
 */
export const makeStreaming = <E, R>(
  app: HttpApp.Default<E, R>,
  options: StreamingOptions = {}
): Handler.Handler<
  FunctionUrl.FunctionUrlEvent,
  Stream.Stream<Uint8Array | string, unknown>,
  unknown,
  Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope | RequestEvent>
> => {
  const interruptibleApp = Effect.interruptible(app)
  const source = "functionUrl" as const

  const toHttpResponse = (
    response: HttpServerResponse.HttpServerResponse,
    method: string,
    scope: Scope.CloseableScope | undefined
  ): Effect.Effect<HttpResponseStream.HttpResponse<unknown, never>, ResponseBodyError> => {
    const { cookies, headers } = internal.splitHeaders(response)
    const prelude = { statusCode: response.status, headers, cookies }
    if (method === "HEAD") return Effect.succeed({ ...prelude, body: Stream.empty })
    return Effect.map(streamBody(response), ({ body, contentType }) => {
      if (contentType !== undefined && contentType !== null) headers["content-type"] = contentType
      // The request's scope, kept open past the handler, closes once the body is sent (or failed,
      // or was interrupted by the deadline).
      return { ...prelude, body: scope === undefined ? body : Stream.ensuring(body, Scope.close(scope, Exit.void)) }
    })
  }

  const handle = (
    event: FunctionUrl.FunctionUrlEvent
  ): Effect.Effect<HttpResponseStream.HttpResponse<unknown, never>, ResponseBodyError, any> => {
    let request: HttpServerRequest.HttpServerRequest
    try {
      request = internal.toServerRequest(event, source)
    } catch (cause) {
      return Effect.zipRight(
        Effect.logDebug("HTTP request refused", cause),
        toHttpResponse(badRequest, "GET", undefined)
      )
    }
    let response: HttpServerResponse.HttpServerResponse | undefined
    let scope: Scope.CloseableScope | undefined
    const handled = HttpApp.toHandled(
      interruptibleApp,
      (_request, answer) =>
        Effect.map(Effect.scope, (requestScope) => {
          response = answer
          // Streamed bodies are read after the handler returned: keep the request's scope open
          // for them, as the platform's web handler does (`HttpApp.unsafeEjectStreamScope`).
          if (request.method !== "HEAD" && answer.body._tag !== "Empty" && answer.body._tag !== "Uint8Array") {
            HttpApp.ejectDefaultScopeClose(requestScope)
            scope = requestScope as Scope.CloseableScope
          }
        }),
      options.middleware
    )
    return handled.pipe(
      Effect.catchAllCause((cause) => settleAnswered(cause, response?.status)),
      Effect.onExit((exit) =>
        // Interrupted after answering: nobody will read the body, so close the scope here.
        Exit.isFailure(exit) && scope !== undefined ? Scope.close(scope, exit) : Effect.void
      ),
      Effect.uninterruptible,
      Effect.provide(
        Context.make(HttpServerRequest.HttpServerRequest, request).pipe(
          Context.add(RequestEvent, { source, event })
        )
      ),
      Effect.flatMap(() => toHttpResponse(response!, request.method, scope))
    )
  }

  return HttpResponseStream.handler({ event: FunctionUrl.FunctionUrlEvent, handle }) as any
}

/**
 * `fromHttpApi` for Function URLs in `RESPONSE_STREAM` invoke mode: the API's responses are
 * sent as `makeStreaming` sends them.
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
 * export const handler = HttpHandler.fromHttpApiStreaming(ApiLive)
 * ```
 */
export const fromHttpApiStreaming = <E, R>(
  apiLayer: Layer.Layer<HttpApi.Api, E, R>,
  options: StreamingOptions = {}
): Handler.Handler<
  FunctionUrl.FunctionUrlEvent,
  Stream.Stream<Uint8Array | string, unknown>,
  unknown,
  Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope | RequestEvent>
> => makeStreaming(httpApiApp(apiLayer), options)
