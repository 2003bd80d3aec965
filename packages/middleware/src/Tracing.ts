/**
 * A span per invocation through Effect's `Tracer`, with the OpenTelemetry FaaS attributes, in
 * the trace Lambda started: its parent is the segment named by the invocation's X-Ray trace
 * header (`Lambda-Runtime-Trace-Id`, also `_X_AMZN_TRACE_ID`), converted to W3C ids.
 *
 * Without an exporting tracer the span costs little and goes nowhere; provide one (for example
 * `@effect/opentelemetry`'s `NodeSdk.layer`, or `XRayTracing.layer`) in the function's layer to
 * export it. `layer` opens the span from the function's layer alone (an `InvocationHooks` hook);
 * `withSpan` does it for one handler, with attributes taken from its decoded event.
 *
 * @since 0.1.0
 */
import { Handler, InvocationHooks, LambdaContext } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<Event> {
  /** Span name. Default `lambda.invoke`. */
  readonly name?: string
  /** Default `server`; `consumer` suits queue and stream consumers. */
  readonly kind?: Tracer.SpanKind
  /** `faas.trigger`: what invokes the function (semantic conventions' values). */
  readonly trigger?: "datasource" | "http" | "pubsub" | "timer" | "other"
  /** Attributes taken from the event, added to the defaults. */
  readonly attributes?: (event: Event) => Readonly<Record<string, unknown>>
}

/**
 * The parent span named by an X-Ray trace header
 * (`Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`): the trace id
 * is the root without its version and dash (the W3C form), the span id is `Parent`. `None` when
 * the header has no root or parent.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parentFromXRay = (header: string | undefined): Option.Option<Tracer.ExternalSpan> => {
  if (header === undefined || header === "") return Option.none()
  let root: string | undefined
  let parent: string | undefined
  let sampled: boolean | undefined
  for (const part of header.split(";")) {
    const eq = part.indexOf("=")
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === "Root") root = value
    else if (key === "Parent") parent = value
    else if (key === "Sampled") sampled = value === "1"
  }
  // Root=1-{8 hex epoch}-{24 hex}: the 32 hex digits together are the W3C trace id.
  const match = root === undefined ? null : /^1-([0-9a-f]{8})-([0-9a-f]{24})$/i.exec(root)
  if (match === null || parent === undefined || !/^[0-9a-f]{16}$/i.test(parent)) return Option.none()
  return Option.some(Tracer.externalSpan({
    traceId: `${match[1]}${match[2]}`.toLowerCase(),
    spanId: parent.toLowerCase(),
    sampled: sampled ?? true
  }))
}

// Process-wide: the first invocation of the execution environment is the cold one.
let coldStart = true

const attributesOf = (ctx: LambdaContext.LambdaContextShape, trigger: string | undefined) => {
  // arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]
  const arn = ctx.invokedFunctionArn.split(":")
  const attributes: Record<string, unknown> = {
    "faas.invocation_id": ctx.requestId,
    "faas.name": ctx.functionName,
    "faas.version": ctx.functionVersion,
    "faas.instance": ctx.logStreamName,
    "faas.max_memory": ctx.memoryLimitInMB * 1024 * 1024,
    "faas.coldstart": coldStart,
    "cloud.provider": "aws",
    "cloud.platform": "aws_lambda",
    "cloud.resource_id": ctx.invokedFunctionArn,
    "aws.lambda.invoked_arn": ctx.invokedFunctionArn
  }
  if (arn.length >= 5) {
    attributes["cloud.region"] = arn[3]
    attributes["cloud.account.id"] = arn[4]
  }
  if (trigger !== undefined) attributes["faas.trigger"] = trigger
  return attributes
}

// One invocation's span, parented on its X-Ray segment.
const span = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  ctx: LambdaContext.LambdaContextShape,
  name: string,
  kind: Tracer.SpanKind,
  attributes: Record<string, unknown>
): Effect.Effect<A, E, R> => {
  const parent = parentFromXRay(ctx.traceId)
  return Effect.withSpan(
    effect,
    name,
    Option.isSome(parent)
      ? { kind, attributes, parent: parent.value, captureStackTrace: false }
      : { kind, attributes, captureStackTrace: false }
  )
}

/**
 * Runs every invocation the runtime serves in a span (default name `lambda.invoke`), as
 * `withSpan` does for one handler, from the function's layer: the runtime opens it around the
 * whole invocation (event decoding included) through an `InvocationHooks` hook, and it has
 * ended before the hooks' `onEnd`s run, so `XRayTracing.layer`'s flush exports it before the
 * response is posted.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { Tracing } from "@effect-lambda/middleware"
 * import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 * import { ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
 * import { Effect, Layer } from "effect"
 *
 * const handler = Handler.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) })
 *
 * LambdaRuntime.runMain(
 *   handler,
 *   Layer.merge(Tracing.layer({ trigger: "other" }), XRayTracing.layer({ exporter: new ConsoleSpanExporter() }))
 * )
 * ```
 */
export const layer = (options: Omit<Options<unknown>, "attributes"> = {}): Layer.Layer<never> => {
  const name = options.name ?? "lambda.invoke"
  const kind = options.kind ?? "server"
  return InvocationHooks.layer({
    wrap: (effect, ctx) => {
      const attributes = attributesOf(ctx, options.trigger)
      coldStart = false
      return span(effect, ctx, name, kind, attributes)
    }
  })
}

/**
 * Runs each invocation of a handler in a span (default name `lambda.invoke`) whose parent is
 * the invocation's X-Ray segment, with the FaaS semantic-convention attributes
 * (`faas.invocation_id`, `faas.name`, `faas.version`, `faas.coldstart`, `faas.max_memory`,
 * `cloud.*`). A failure or defect of the handler ends the span with an error status.
 *
 * @since 0.1.0
 * @category combinators
 * @example
 * ```ts
 * import { Tracing } from "@effect-lambda/middleware"
 * import { Handler } from "@effect-lambda/runtime"
 * import { Effect } from "effect"
 *
 * export const handler = Handler.make({
 *   handle: (event) => Effect.succeed(event).pipe(Effect.withSpan("work"))
 * }).pipe(Tracing.withSpan({ trigger: "other" }))
 * ```
 */
export const withSpan: {
  <Event>(
    options?: Options<Event>
  ): <A, E, R>(self: Handler.Handler<Event, A, E, R>) => Handler.Handler<Event, A, E, R>
  <Event, A, E, R>(self: Handler.Handler<Event, A, E, R>, options?: Options<Event>): Handler.Handler<Event, A, E, R>
} = dual(
  (args) => Handler.isHandler(args[0]),
  <Event, A, E, R>(
    self: Handler.Handler<Event, A, E, R>,
    options: Options<Event> = {}
  ): Handler.Handler<Event, A, E, R> => {
    const name = options.name ?? "lambda.invoke"
    const kind = options.kind ?? "server"
    return Handler.mapEffect(self, (effect, event) =>
      Effect.flatMap(LambdaContext.LambdaContext, (ctx) => {
        const attributes = attributesOf(ctx, options.trigger)
        coldStart = false
        if (options.attributes !== undefined) Object.assign(attributes, options.attributes(event))
        return span(effect, ctx, name, kind, attributes)
      })) as Handler.Handler<Event, A, E, R>
  }
)
