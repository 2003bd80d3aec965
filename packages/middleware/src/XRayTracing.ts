/**
 * Exports Effect's spans to AWS X-Ray through OpenTelemetry (`@effect/opentelemetry`): trace and
 * span ids from X-Ray's id generator (the trace id starts with the epoch seconds, as X-Ray
 * requires), the X-Ray propagator for the `X-Amzn-Trace-Id` header of outgoing calls, and a
 * flush of the span processor after each invocation (an `InvocationHooks` hook the layer
 * registers: no wrapping of the handler), so no span waits in memory while Lambda freezes the
 * environment.
 *
 * Import it by path (`@effect-lambda/middleware/XRayTracing`): it needs the OpenTelemetry
 * packages (optional peer dependencies of this package), which the rest of the package does not.
 *
 * @example
 * ```ts
 * import { Tracing } from "@effect-lambda/middleware"
 * import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
 * import { Handler, LambdaRuntime } from "@effect-lambda/runtime"
 * import { ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
 * import { Effect } from "effect"
 *
 * const handler = Handler.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) }).pipe(
 *   Tracing.withSpan({ trigger: "other" })
 * )
 * // toward X-Ray: `new OTLPTraceExporter()` of @opentelemetry/exporter-trace-otlp-http (ADOT collector)
 * LambdaRuntime.runMain(handler, XRayTracing.layer({ exporter: new ConsoleSpanExporter() }))
 * ```
 *
 * @since 0.1.0
 */
import { type Handler, InvocationHooks, type LambdaContext } from "@effect-lambda/runtime"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import type * as OtelResource from "@effect/opentelemetry/Resource"
import * as OtelTracer from "@effect/opentelemetry/Tracer"
import * as OtelApi from "@opentelemetry/api"
import { AWSXRayIdGenerator } from "@opentelemetry/id-generator-aws-xray"
import { AWSXRayPropagator } from "@opentelemetry/propagator-aws-xray"
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor
} from "@opentelemetry/sdk-trace-base"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Where spans go: an OTLP exporter to the ADOT collector or CloudWatch's OTLP endpoint, … */
  readonly exporter: SpanExporter
  /** `service.name`. Default `OTEL_SERVICE_NAME`, else `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly serviceName?: string
  /**
   * Batch spans and export them at the end of each invocation (default), or export each span
   * as it ends (`false`).
   */
  readonly batch?: boolean
  /**
   * How long before the invocation's deadline the flush gives up on an exporter that does not
   * answer (a warning is logged), so the response is still posted in time. Default 100 ms.
   */
  readonly flushMarginMs?: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Flusher extends Context.Tag("@effect-lambda/middleware/XRayTracing/Flusher")<
  Flusher,
  { readonly flush: Effect.Effect<void> }
>() {}

/**
 * The OpenTelemetry tracer of `@effect/opentelemetry`'s `NodeSdk` with X-Ray's id generator,
 * and the `Flusher` of its span processor, which the runtime calls after every invocation, when
 * the invocation's spans (`Tracing.withSpan`'s included) have ended and before its response is
 * posted. The provider shuts down (exporting what is left) when the runtime stops.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Flusher | OtelResource.Resource> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const serviceName = options.serviceName ??
        (yield* Config.string("OTEL_SERVICE_NAME").pipe(
          Config.orElse(() => Config.string("AWS_LAMBDA_FUNCTION_NAME")),
          Config.withDefault("lambda")
        ))
      const processor: SpanProcessor = options.batch === false
        ? new SimpleSpanProcessor(options.exporter)
        : new BatchSpanProcessor(options.exporter)
      const flush = Effect.promise(() => processor.forceFlush()).pipe(
        Effect.catchAllDefect((defect) => Effect.logWarning("span export failed", defect))
      )
      // After each invocation, within what is left of its time: an exporter that does not answer
      // (a collector that is down) must not hold the invocation's report past its deadline.
      const flushInTime = (ctx: LambdaContext.LambdaContextShape) =>
        Effect.flatMap(ctx.remainingTimeInMillis, (left) =>
          // interruptible: hooks run as finalizers, where the timeout could not stop the wait
          Effect.interruptible(flush).pipe(
            Effect.timeoutOption(Duration.millis(Math.max(0, left - (options.flushMarginMs ?? 100)))),
            Effect.flatMap(Option.match({
              onNone: () =>
                Effect.logWarning("span export gave up: it did not finish before the invocation's deadline"),
              onSome: () => Effect.void
            }))
          ))
      return Layer.mergeAll(
        InvocationHooks.layer({ onEnd: flushInTime }),
        NodeSdk.layer(() => ({
          resource: { serviceName, attributes: { "cloud.provider": "aws", "cloud.platform": "aws_lambda" } },
          spanProcessor: processor,
          tracerConfig: { idGenerator: new AWSXRayIdGenerator() }
        })),
        Layer.succeed(Flusher, { flush })
      )
    }).pipe(Effect.orDie)
  )

/**
 * The handler itself: `layer` has the runtime export each invocation's spans after it (an
 * `InvocationHooks` hook), so the handler needs no wrapping. Kept so code written for the
 * wrapping form still compiles; it adds no second flush.
 *
 * @deprecated `XRayTracing.layer` alone flushes after every invocation.
 * @since 0.1.0
 * @category combinators
 */
export const withFlush = <Event, A, E, R>(
  self: Handler.Handler<Event, A, E, R>
): Handler.Handler<Event, A, E, R | Flusher> => self

const propagator = new AWSXRayPropagator()

/**
 * The `X-Amzn-Trace-Id` header naming the current span as the parent
 * (`Root=1-…;Parent=…;Sampled=1`), for calls to AWS services or other traced functions; `None`
 * outside a span.
 *
 * @since 0.1.0
 * @category propagation
 */
export const traceHeader: Effect.Effect<Option.Option<string>> = Effect.map(
  Effect.option(OtelTracer.currentOtelSpan),
  Option.flatMap((span) => {
    const carrier: Record<string, string> = {}
    propagator.inject(OtelApi.trace.setSpan(OtelApi.context.active(), span), carrier, OtelApi.defaultTextMapSetter)
    return Option.fromNullable(carrier["x-amzn-trace-id"])
  })
)
