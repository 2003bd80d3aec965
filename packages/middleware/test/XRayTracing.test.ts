import { Tracing } from "@effect-lambda/middleware"
import * as XRayTracing from "@effect-lambda/middleware/XRayTracing"
import { Handler } from "@effect-lambda/runtime"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

describe("XRayTracing", () => {
  it.live("spans are exported before the response, in the invocation's X-Ray trace, with X-Ray ids", () =>
    Effect.gen(function*() {
      const exporter = new InMemorySpanExporter()
      const headers: Array<Option.Option<string>> = []
      // how many reports the Runtime API had received when each batch of spans was exported
      let reports: Effect.Effect<ReadonlyArray<unknown>> = Effect.succeed([])
      const reportsAtExport: Array<number> = []
      const exporting: SpanExporter = {
        export: (spans, done) => {
          reportsAtExport.push(Effect.runSync(reports).length)
          exporter.export(spans, done)
        },
        shutdown: () => exporter.shutdown()
      }
      const handler = Handler.make({
        handle: () =>
          Effect.gen(function*() {
            headers.push(yield* XRayTracing.traceHeader)
            return "ok"
          }).pipe(Effect.withSpan("work"))
      }).pipe(Tracing.withSpan({ trigger: "other" }))
      // the layer alone: the runtime flushes after each invocation (InvocationHooks)
      const { api } = yield* LambdaTest.start(
        handler,
        XRayTracing.layer({ exporter: exporting, serviceName: "orders" })
      )
      reports = api.reports
      const report = yield* api.report(yield* api.enqueue({}, { traceId: TRACE }))
      expect(report._tag).toBe("Response")
      // both spans were exported in one batch before the response was posted
      expect(reportsAtExport).toStrictEqual([0])
      expect(exporter.getFinishedSpans()).toHaveLength(2)
      const spans = exporter.getFinishedSpans()
      const invoke = spans.find((s) => s.name === "lambda.invoke")!
      const work = spans.find((s) => s.name === "work")!
      expect(invoke.spanContext().traceId).toBe("5759e988bd862e3fe1be46a994272793")
      expect(invoke.parentSpanContext?.spanId).toBe("53995c3f42cd8ad8")
      expect(work.parentSpanContext?.spanId).toBe(invoke.spanContext().spanId)
      expect(work.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/)
      expect(invoke.resource.attributes["service.name"]).toBe("orders")
      // the header for outgoing calls names the `work` span in the same X-Ray trace
      expect(Option.getOrThrow(headers[0]!)).toBe(
        `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${work.spanContext().spanId};Sampled=1`
      )
      // without a trace header the X-Ray generator's trace id starts with the epoch seconds
      exporter.reset()
      const before = Math.floor(Date.now() / 1000)
      yield* api.report(yield* api.enqueue({}))
      const root = exporter.getFinishedSpans().find((s) => s.name === "lambda.invoke")!
      const epoch = parseInt(root.spanContext().traceId.slice(0, 8), 16)
      expect(epoch).toBeGreaterThanOrEqual(before - 1)
      expect(epoch).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1)
    }).pipe(Effect.scoped))

  it.live("the layers alone: Tracing.layer's invocation span has ended and is exported before the response", () =>
    Effect.gen(function*() {
      const exporter = new InMemorySpanExporter()
      let reports: Effect.Effect<ReadonlyArray<unknown>> = Effect.succeed([])
      const exported: Array<[number, Array<string>]> = []
      const exporting: SpanExporter = {
        export: (spans, done) => {
          exported.push([Effect.runSync(reports).length, spans.map((s) => s.name)])
          exporter.export(spans, done)
        },
        shutdown: () => exporter.shutdown()
      }
      const handler = Handler.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) })
      const { api } = yield* LambdaTest.start(
        handler,
        Layer.merge(Tracing.layer({ trigger: "other" }), XRayTracing.layer({ exporter: exporting }))
      )
      reports = api.reports
      yield* api.report(yield* api.enqueue({}, { traceId: TRACE }))
      // one batch, both spans, while no report had been posted
      expect(exported.map(([posted, names]) => [posted, names.sort()])).toStrictEqual([[0, ["lambda.invoke", "work"]]])
      const invoke = exporter.getFinishedSpans().find((s) => s.name === "lambda.invoke")!
      expect(invoke.parentSpanContext?.spanId).toBe("53995c3f42cd8ad8")
      expect(invoke.attributes["faas.trigger"]).toBe("other")
      expect(exporter.getFinishedSpans().find((s) => s.name === "work")!.parentSpanContext?.spanId).toBe(
        invoke.spanContext().spanId
      )
    }).pipe(Effect.scoped))

  it.live(
    "an exporter that never answers does not hold the response past the invocation's deadline",
    () =>
      Effect.gen(function*() {
        const stuck: SpanExporter = { export: () => {}, shutdown: async () => {} }
        const handler = Handler.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) })
        // a wide margin: the response is posted before the deadline even on a loaded machine
        const layer = XRayTracing.layer({ exporter: stuck, flushMarginMs: 1_500 })
        const { api } = yield* LambdaTest.start(handler, layer)
        // the batch processor's own export timeout is 30 s; the invocation has 3: the flush gives
        // up before the deadline and the handler's response is still posted
        const report = yield* api.report(yield* api.enqueue({}, { timeoutMs: 3_000 }))
        expect(report._tag).toBe("Response")
        expect(report.body).toBe("\"ok\"")
      }).pipe(Effect.scoped),
    20_000
  )

  it.effect("outside a span there is no header", () =>
    Effect.gen(function*() {
      expect(Option.isNone(yield* XRayTracing.traceHeader)).toBe(true)
    }))
})
