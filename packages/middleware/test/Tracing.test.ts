import { Tracing } from "@effect-lambda/middleware"
import { Handler } from "@effect-lambda/runtime"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** A tracer that keeps every span it starts (native spans, so they record status and attributes). */
const recording = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: (f, fiber) => native.context(f, fiber)
  })
  return { tracer, spans }
})

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

describe("Tracing.withSpan", () => {
  it.effect("one span per invocation, child of the X-Ray segment, with FaaS attributes; user spans nest in it", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recording
      const handler = Handler.make({ handle: () => Effect.succeed("ok").pipe(Effect.withSpan("work")) }).pipe(
        Tracing.withSpan({ trigger: "other", attributes: () => ({ "app.kind": "test" }) })
      )
      const first = yield* LambdaTest.invoke(handler, {}, { traceId: TRACE, requestId: "req-1" }).pipe(
        Effect.withTracer(tracer)
      )
      expect(first._tag).toBe("Response")
      const invoke = spans.find((s) => s.name === "lambda.invoke")!
      const work = spans.find((s) => s.name === "work")!
      expect(invoke.traceId).toBe("5759e988bd862e3fe1be46a994272793")
      expect(Option.getOrThrow(invoke.parent).spanId).toBe("53995c3f42cd8ad8")
      expect(invoke.kind).toBe("server")
      expect(Object.fromEntries(invoke.attributes)).toMatchObject({
        "faas.invocation_id": "req-1",
        "faas.name": "test_function",
        "faas.version": "$LATEST",
        "faas.max_memory": 128 * 1024 * 1024,
        "faas.trigger": "other",
        "cloud.provider": "aws",
        "cloud.region": "us-east-1",
        "cloud.account.id": "123456789012",
        "app.kind": "test"
      })
      expect(Option.getOrThrow(work.parent).spanId).toBe(invoke.spanId)
      expect(invoke.status._tag).toBe("Ended")
      // the first invocation of the process is the cold one (this file's module state is its own)
      expect(invoke.attributes.get("faas.coldstart")).toBe(true)
      yield* LambdaTest.invoke(handler, {}).pipe(Effect.withTracer(tracer))
      const second = spans.filter((s) => s.name === "lambda.invoke")[1]!
      expect(second.attributes.get("faas.coldstart")).toBe(false)
    }))

  it.effect("a failing handler ends its span with the failure; the report is unchanged", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recording
      const handler = Tracing.withSpan(Handler.make({ handle: () => Effect.fail(new Error("nope")) }))
      const result = yield* LambdaTest.invoke(handler, {}).pipe(Effect.withTracer(tracer))
      expect(result._tag === "Error" && result.errorType).toBe("Runtime.UnhandledError")
      const span = spans.find((s) => s.name === "lambda.invoke")!
      expect(span.status._tag === "Ended" && span.status.exit._tag).toBe("Failure")
      // no X-Ray header: a root span
      expect(Option.isNone(span.parent)).toBe(true)
    }))
})

describe("Tracing.parentFromXRay", () => {
  it("converts the X-Ray header to W3C ids", () => {
    const span = Option.getOrThrow(
      Tracing.parentFromXRay("Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=0;Lineage=a:1")
    )
    expect(span.traceId).toBe("5759e988bd862e3fe1be46a994272793")
    expect(span.spanId).toBe("53995c3f42cd8ad8")
    expect(span.sampled).toBe(false)
  })
  it("None without a usable root or parent", () => {
    expect(Option.isNone(Tracing.parentFromXRay(undefined))).toBe(true)
    expect(Option.isNone(Tracing.parentFromXRay("Root=1-5759e988-bd862e3fe1be46a994272793"))).toBe(true)
    expect(Option.isNone(Tracing.parentFromXRay("Root=garbage;Parent=53995c3f42cd8ad8"))).toBe(true)
  })
})
