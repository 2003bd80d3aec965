// X-Ray traces from Effect's spans: each invocation is a `lambda.invoke` span whose parent is
// the segment Lambda started (the invocation's trace header), the handler's own spans nest in
// it, and `XRayTracing.layer` alone exports the spans before the response is posted. `traceHeader` gives the
// X-Amzn-Trace-Id to pass on to a downstream call.
import { Tracing } from "@effect-lambda/middleware"
import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
import { Handler } from "@effect-lambda/runtime"
import type { SpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
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
}).pipe(Tracing.withSpan({ trigger: "other" }))

export const TracingLive = (exporter: SpanExporter) => XRayTracing.layer({ exporter, serviceName: "prices" })
