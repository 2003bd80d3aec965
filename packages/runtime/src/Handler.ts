/**
 * Handlers: what a function does with one event, as an Effect program.
 *
 * A handler decodes the event payload, handles it, and encodes the result. `make` builds the
 * decoder and encoder once from the Schemas it is given, so nothing is constructed per
 * invocation.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { InvalidEvent, InvalidResponse, TimeoutError } from "./HandlerError.js"
import * as AsyncHandler from "./internal/asyncHandler.js"
import { timeoutMessage } from "./internal/deadline.js"
import type { Invocation } from "./Invocation.js"
import { LambdaContext } from "./LambdaContext.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-lambda/runtime/Handler")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A buffered response, ready to post.
 *
 * @since 0.1.0
 * @category models
 */
export interface Buffered {
  readonly _tag: "Buffered"
  readonly body: string | Uint8Array
  readonly contentType: string
}

/**
 * A streamed response: the runtime posts the chunks as the stream produces them.
 *
 * @since 0.1.0
 * @category models
 */
export interface Streaming {
  readonly _tag: "Streaming"
  readonly body: Stream.Stream<Uint8Array, unknown, unknown>
  readonly contentType: string
}

/**
 * What a handler's `encode` gives the runtime to post.
 *
 * @since 0.1.0
 * @category models
 */
export type Output = Buffered | Streaming

/**
 * A Lambda handler: `Event` in, `Result` out, failing with `E`, needing `R` (and the
 * `LambdaContext` of the invocation, which the runtime provides).
 *
 * @since 0.1.0
 * @category models
 */
export interface Handler<Event, Result, E = never, R = never> extends Pipeable {
  readonly [TypeId]: TypeId
  /** Reads the event from the invocation payload. */
  decode(invocation: Invocation): Effect.Effect<Event, InvalidEvent>
  /** The user's program. */
  // Method syntax on purpose: bivariant parameters let any handler (even one that never
  // returns) stand where `Handler.Any` is expected.
  handle(event: Event): Effect.Effect<Result, E, R | LambdaContext>
  /** Turns the result into the bytes posted to the Runtime API. */
  encode(result: Result): Effect.Effect<Output, InvalidResponse>
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Handler {
  /**
   * Any handler, whatever its types.
   *
   * @since 0.1.0
   */
  export type Any = Handler<unknown, unknown, unknown, unknown>
  /**
   * The error type of a handler's program.
   *
   * @since 0.1.0
   */
  export type Error<H> = H extends Handler<infer _Event, infer _A, infer E, infer _R> ? E : never
  /**
   * The services a handler's program needs, besides `LambdaContext`.
   *
   * @since 0.1.0
   */
  export type Context<H> = H extends Handler<infer _Event, infer _A, infer _E, infer R> ? Exclude<R, LambdaContext>
    : never
}

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

const decoder = new TextDecoder()

/** The payload as text: Lambda events are UTF-8 JSON. */
const payloadText = (invocation: Invocation): string => decoder.decode(invocation.body)

const parseJsonOrText = (invocation: Invocation): Effect.Effect<unknown, InvalidEvent> =>
  Effect.sync(() => {
    const text = payloadText(invocation)
    try {
      return JSON.parse(text)
    } catch {
      // Not JSON: hand the raw text to a handler that declared no Schema.
      return text
    }
  })

const JSON_CONTENT_TYPE = "application/json"

// A stack overflow while decoding or encoding (a 100,000-deep array) says the value is nested too
// deeply for the Schema, not that the function is broken: it is the event's (or the result's)
// fault, reported as InvalidEvent / InvalidResponse.
const isStackOverflow = (u: unknown): u is RangeError => u instanceof RangeError && /call stack/i.test(u.message)

const TOO_DEEP = "nested too deeply to process (the call stack overflowed)"

// One line per problem, `<path> <problem>` (`["name"] is missing`), from Effect's ArrayFormatter:
// readable in a log and in the CLI, unlike the escaped tree of `ParseError.message`.
const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key) => `[${typeof key === "symbol" ? String(key) : JSON.stringify(key)}]`).join("")

// The message of a Schema failure; describing the offending value can itself overflow the stack.
const describeParseError = (error: ParseResult.ParseError): string => {
  try {
    return ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => issue.path.length === 0 ? issue.message : `${formatPath(issue.path)} ${issue.message}`)
      .join("\n")
  } catch (cause) {
    if (isStackOverflow(cause)) return `the value is ${TOO_DEEP}`
    throw cause
  }
}

// Built once per handler: the Schema's decoder is not rebuilt per invocation. Schema decodes a
// synchronous Schema eagerly, giving an Either: a success is passed on as is (no allocation).
const eventDecoder = (
  event: Schema.Schema<any, any, never> | undefined
): (invocation: Invocation) => Effect.Effect<unknown, InvalidEvent> => {
  if (event === undefined) return parseJsonOrText
  const decodeEvent = Schema.decodeUnknown(Schema.parseJson(event))
  // Every problem, not only the first, for the report (one per line): collecting them all costs
  // ~8 us on every successful decode (measured), so the event is decoded again this way only
  // once it failed.
  const decodeAll = Schema.decodeUnknownEither(Schema.parseJson(event), { errors: "all" })
  const invalidEvent = (text: string, first: ParseResult.ParseError): InvalidEvent => {
    let error = first
    try {
      const all = decodeAll(text)
      if (Either.isLeft(all)) error = all.left
    } catch {
      // The first problem is still a good description.
    }
    return new InvalidEvent({ message: describeParseError(error), cause: error })
  }
  return (invocation) => {
    const text = payloadText(invocation)
    let decoded: Effect.Effect<unknown, ParseResult.ParseError>
    try {
      decoded = decodeEvent(text)
    } catch (cause) {
      if (isStackOverflow(cause)) return Effect.fail(new InvalidEvent({ message: `The event is ${TOO_DEEP}`, cause }))
      return Effect.die(cause)
    }
    if (Either.isEither(decoded)) {
      const sync = decoded as Either.Either<unknown, ParseResult.ParseError>
      // A Right is an Effect that succeeds with its value: passed on as is.
      return Either.isRight(sync) ? sync as Either.Either<unknown, never> : Effect.fail(invalidEvent(text, sync.left))
    }
    return Effect.mapError(decoded, (error) => invalidEvent(text, error))
  }
}

const invalidResponse = (error: ParseResult.ParseError): InvalidResponse =>
  new InvalidResponse({ reason: "ParseError", message: describeParseError(error), cause: error })

const serialise = (value: unknown): Effect.Effect<Output, InvalidResponse> => {
  try {
    // As AWS's client: `undefined` (and anything JSON cannot represent at the top) becomes null.
    const body = JSON.stringify(value === undefined ? null : value) ?? "null"
    return Effect.succeed({ _tag: "Buffered", body, contentType: JSON_CONTENT_TYPE })
  } catch (cause) {
    return Effect.fail(
      new InvalidResponse({
        reason: "TypeError",
        message: `Unable to serialise the response: ${cause instanceof Error ? cause.message : String(cause)}`,
        cause
      })
    )
  }
}

/**
 * Builds a handler from a program and, optionally, the Schemas of its event and result.
 *
 * - `event`: the payload is parsed as JSON and decoded with it; a failure is reported as
 *   `Runtime.InvalidEvent` without running `handle`. Without it, `handle` gets the parsed JSON,
 *   or the raw text when the payload is not JSON.
 * - `response`: the result is encoded with it before `JSON.stringify`; a failure (or a value
 *   JSON cannot hold, such as a BigInt or a cycle) is reported as `Runtime.InvalidResponse`.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 *
 * class Greeting extends Schema.Class<Greeting>("Greeting")({ name: Schema.String }) {}
 *
 * export const handler = Handler.make({
 *   event: Greeting,
 *   handle: (event) => Effect.succeed({ message: `hello ${event.name}` })
 * })
 * ```
 */
export const make: {
  <EA, EI, RA, RI, A extends RA, E = never, R = never>(options: {
    readonly event: Schema.Schema<EA, EI, never>
    readonly response: Schema.Schema<RA, RI, never>
    readonly handle: (event: EA) => Effect.Effect<A, E, R>
  }): Handler<EA, A, E, R>
  <EA, EI, A, E = never, R = never>(options: {
    readonly event: Schema.Schema<EA, EI, never>
    readonly handle: (event: EA) => Effect.Effect<A, E, R>
  }): Handler<EA, A, E, R>
  <RA, RI, A extends RA, E = never, R = never>(options: {
    readonly response: Schema.Schema<RA, RI, never>
    readonly handle: (event: unknown) => Effect.Effect<A, E, R>
  }): Handler<unknown, A, E, R>
  <A, E = never, R = never>(options: {
    readonly handle: (event: unknown) => Effect.Effect<A, E, R>
  }): Handler<unknown, A, E, R>
} = (options: {
  readonly event?: Schema.Schema<any, any, never>
  readonly response?: Schema.Schema<any, any, never>
  readonly handle: (event: any) => Effect.Effect<any, any, any>
}): Handler.Any => {
  const self = Object.create(Proto)
  self.handle = options.handle
  self.decode = eventDecoder(options.event)
  if (options.response === undefined) {
    self.encode = serialise
  } else {
    const encodeResult = Schema.encode(options.response)
    self.encode = (result: unknown) => {
      let encoded: Effect.Effect<unknown, ParseResult.ParseError>
      try {
        encoded = encodeResult(result)
      } catch (cause) {
        if (!isStackOverflow(cause)) return Effect.die(cause)
        return Effect.fail(new InvalidResponse({ reason: "ParseError", message: `The response is ${TOO_DEEP}`, cause }))
      }
      return encoded.pipe(Effect.mapError(invalidResponse), Effect.flatMap(serialise))
    }
  }
  return self
}

/**
 * Transforms the program of a handler, keeping how it decodes and encodes: the building block of
 * handler middleware.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 *
 * const logged = <Ev, A, E, R>(self: Handler.Handler<Ev, A, E, R>) =>
 *   Handler.mapEffect(self, (effect) => Effect.tap(effect, (a) => Effect.logDebug("result", a)))
 * ```
 */
export const mapEffect = <Event, A, E, R, A2 extends A, E2, R2>(
  self: Handler<Event, A, E, R>,
  f: (effect: Effect.Effect<A, E, R | LambdaContext>, event: Event) => Effect.Effect<A2, E2, R2>
): Handler<Event, A2, E2, Exclude<R2, LambdaContext>> => {
  const next = Object.create(Proto)
  next.decode = self.decode
  next.encode = self.encode
  next.handle = (event: Event) => f(self.handle(event), event)
  return next
}

/**
 * Whether a value is a `Handler`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isHandler = (u: unknown): u is Handler.Any => typeof u === "object" && u !== null && TypeId in u

/**
 * Interrupts the handler `margin` before the invocation's deadline and fails it with a
 * `TimeoutError` (reported as `Runtime.Timeout`), so its finalizers run while Lambda still
 * gives the function time.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 *
 * const handler = Handler.make({ handle: () => Effect.never }).pipe(Handler.withDeadline("200 millis"))
 * ```
 */
export const withDeadline: {
  (
    margin: Duration.DurationInput
  ): <Event, A, E, R>(self: Handler<Event, A, E, R>) => Handler<Event, A, E | TimeoutError, R>
  <Event, A, E, R>(
    self: Handler<Event, A, E, R>,
    margin: Duration.DurationInput
  ): Handler<Event, A, E | TimeoutError, R>
} = dual(2, <Event, A, E, R>(self: Handler<Event, A, E, R>, margin: Duration.DurationInput) => {
  const marginMs = Duration.toMillis(Duration.decode(margin))
  return mapEffect(
    self,
    (effect) =>
      Effect.flatMap(
        LambdaContext,
        (ctx) =>
          Effect.flatMap(ctx.remainingTimeInMillis, (left) =>
            Effect.timeoutFail(effect, {
              duration: Duration.millis(Math.max(0, left - marginMs)),
              onTimeout: () =>
                new TimeoutError({
                  message: `${timeoutMessage(left - marginMs)} (interrupted ${marginMs} ms before the deadline)`
                })
            }))
      )
  )
})

/**
 * Logs the event before the handler runs and its result (or failure) after, at debug level:
 * visible when `AWS_LAMBDA_LOG_LEVEL` is `DEBUG` or `TRACE`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withLogging = <Event, A, E, R>(self: Handler<Event, A, E, R>): Handler<Event, A, E, R> =>
  mapEffect(self, (effect, event) =>
    Effect.logDebug("event", event).pipe(
      Effect.zipRight(effect),
      Effect.tap((result) => Effect.logDebug("result", result)),
      Effect.tapErrorCause((cause) => Effect.logDebug("failed", cause))
    ))

const encoder = new TextEncoder()

const toBytes = (chunk: Uint8Array | string): Uint8Array => typeof chunk === "string" ? encoder.encode(chunk) : chunk

/**
 * Builds a streaming handler from a program that produces the stream of the response body.
 * Used by `stream` and by `HttpResponseStream.handler`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStreaming = <EA, E, R, E2, R2>(options: {
  readonly event?: Schema.Schema<EA, any, never>
  readonly contentType: string
  readonly handle: (event: EA) => Effect.Effect<Stream.Stream<Uint8Array | string, E2, R2>, E, R>
}): Handler<EA, Stream.Stream<Uint8Array | string, E2, R2>, E | E2, R | R2> => {
  const self = Object.create(Proto)
  self.decode = eventDecoder(options.event)
  self.handle = options.handle
  self.encode = (body: Stream.Stream<Uint8Array | string, E2, R2>): Effect.Effect<Output, InvalidResponse> =>
    Effect.succeed({ _tag: "Streaming", body: Stream.map(body, toBytes), contentType: options.contentType })
  return self
}

/**
 * Builds a handler whose response is streamed (`InvokeWithResponseStream`, Function URLs with
 * `RESPONSE_STREAM`): chunks go out as the stream produces them, with backpressure, and may
 * exceed the 6 MB limit of buffered responses. A failure before the first chunk is reported as a
 * normal invocation error; after it, in the error trailers that end the body.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 *
 * export const handler = Handler.stream({
 *   contentType: "application/x-ndjson",
 *   handle: () => Stream.make(1, 2, 3).pipe(Stream.map((n) => JSON.stringify({ n }) + "\n"))
 * })
 * ```
 */
export const stream: {
  <EA, EI, E, R>(options: {
    readonly event: Schema.Schema<EA, EI, never>
    readonly contentType?: string
    readonly handle: (event: EA) => Stream.Stream<Uint8Array | string, E, R>
  }): Handler<EA, Stream.Stream<Uint8Array | string, E, R>, E, R>
  <E, R>(options: {
    readonly contentType?: string
    readonly handle: (event: unknown) => Stream.Stream<Uint8Array | string, E, R>
  }): Handler<unknown, Stream.Stream<Uint8Array | string, E, R>, E, R>
} = (options: {
  readonly event?: Schema.Schema<any, any, never>
  readonly contentType?: string
  readonly handle: (event: any) => Stream.Stream<Uint8Array | string, any, any>
}): Handler<any, Stream.Stream<Uint8Array | string, any, any>, any, any> =>
  makeStreaming({
    ...(options.event === undefined ? {} : { event: options.event }),
    contentType: options.contentType ?? "application/octet-stream",
    handle: (event) => Effect.succeed(options.handle(event))
  })

/**
 * The `context` argument a plain Node.js Lambda function receives, as AWS's client builds it.
 *
 * @since 0.1.0
 * @category models
 */
export type AwsContext = AsyncHandler.AwsContext

/**
 * Turns a plain `async (event, context)` Lambda function into a `Handler`, so that existing code
 * runs on the Effect runtime (with middleware, `withDeadline` and the test kit) before it is
 * rewritten. The function gets the AWS-style `context`; what it throws or rejects with is the
 * failure, reported under its own name.
 *
 * @since 0.1.0
 * @category constructors
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 *
 * const legacy = async (event: { name: string }, context: Handler.AwsContext) =>
 *   ({ message: `hello ${event.name}`, requestId: context.awsRequestId })
 *
 * LambdaRuntime.runMain(Handler.fromAsync(legacy), Layer.empty)
 * ```
 */
export const fromAsync = <A>(fn: (event: any, context: AwsContext) => Promise<A> | A): Handler<unknown, A, unknown> =>
  make({ handle: AsyncHandler.handleAsync(fn) }) as Handler<unknown, A, unknown>

/**
 * Exports a `Handler` as a plain `async (event, context)` function for AWS's managed Node.js
 * runtimes (`nodejs22.x`, `nodejs24.x`) or any code that expects one. `layer` is built once, when
 * `toAsync` is called (Lambda's init phase); its finalizers run when Lambda sends SIGTERM, which
 * it does only when an extension is registered. A failure rejects with an `Error` whose name,
 * message and stack are the report the Effect runtime would send.
 *
 * @since 0.1.0
 * @category conversions
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Handler } from "@effect-lambda/runtime"
 *
 * const hello = Handler.make({ handle: (event: unknown) => Effect.succeed({ received: event }) })
 *
 * // index.mjs of a nodejs24.x function, handler "index.handler"
 * export const handler = Handler.toAsync(hello, Layer.empty)
 * ```
 */
export const toAsync: <Event, A, E, R, ROut, LE>(
  handler: Handler<Event, A, E, R>,
  layer: import("effect/Layer").Layer<ROut, LE, import("./FunctionConfig.js").FunctionConfig>,
  options?: AsyncHandler.ToAsyncOptions
) => (event: unknown, context: AwsContext) => Promise<unknown> = AsyncHandler.toAsync
