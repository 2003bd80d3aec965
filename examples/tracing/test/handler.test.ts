import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import { handler, TracingLive } from "../src/handler.js"

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

describe("tracing example", () => {
  it.live("the invocation's spans, in Lambda's trace, exported by the time the response is posted", () =>
    Effect.gen(function*() {
      const exporter = new InMemorySpanExporter()
      const { api } = yield* LambdaTest.start(handler, TracingLive(exporter))
      const report = yield* api.report(yield* api.enqueue({ sku: "abc" }, { traceId: TRACE }))
      expect(JSON.parse(report.body)).toStrictEqual({ sku: "abc", cents: 300 })
      const spans = exporter.getFinishedSpans()
      expect(spans.map((s) => s.name).sort()).toStrictEqual(["lambda.invoke", "price.lookup"])
      const lookup = spans.find((s) => s.name === "price.lookup")!
      expect(lookup.spanContext().traceId).toBe("5759e988bd862e3fe1be46a994272793")
      expect(lookup.attributes["downstream.trace_header"]).toBe(
        `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${lookup.spanContext().spanId};Sampled=1`
      )
    }).pipe(Effect.scoped))
})
