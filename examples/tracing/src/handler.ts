// X-Ray traces from Effect's spans: each invocation is a `lambda.invoke` span whose parent is
// the segment Lambda started (the invocation's trace header), the handler's own spans nest in
// it, and the spans are exported before the response is posted, all from the function's layer
// (`TracingLive`). `traceHeader` gives the X-Amzn-Trace-Id to pass on to a downstream call.
import { Tracing } from "@effect-lambda/middleware"
import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
import { Handler } from "@effect-lambda/runtime"
import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

export const Lookup = Schema.Struct({ sku: Schema.String })

const price = (sku: string) =>
  Effect.gen(function*() {
    // what a call to another service would carry
    const header = yield* XRayTracing.traceHeader
    yield* Effect.annotateCurrentSpan("downstream.trace_header", Option.getOrElse(header, () => ""))
    return sku.length * 100
  }).pipe(Effect.withSpan("price.lookup", { attributes: { sku } }))

export const handler = Handler.make({
  event: Lookup,
  handle: ({ sku }) => Effect.map(price(sku), (cents) => ({ sku, cents }))
})

// The function's layer alone: a `lambda.invoke` span per invocation, exported after it.
export const TracingLive = (exporter: SpanExporter) =>
  Layer.merge(Tracing.layer({ trigger: "other" }), XRayTracing.layer({ exporter, serviceName: "prices" }))
