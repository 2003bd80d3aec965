// The runtime knows its own errors by TypeId, never by `_tag` text (issue 12 §1): a user's error
// named like any runtime or Runtime API error stays the user's, `Function.<Tag>`, buffered or
// streamed, and never stops the loop.
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as ErrorReport from "../src/ErrorReport.js"
import * as Handler from "../src/Handler.js"
import * as HandlerError from "../src/HandlerError.js"
import * as RuntimeApiError from "../src/RuntimeApiError.js"

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }

// Every tag the runtime or its Runtime API client uses for an error of its own.
const RUNTIME_TAGS = [
  "InvalidEvent",
  "InvalidResponse",
  "TimeoutError",
  "ResponseSizeTooLarge",
  "NoSuchHandler",
  "ContainerError",
  "Forbidden",
  "BadRequest",
  "PayloadTooLarge",
  "UnexpectedStatus",
  "TransportError",
  "InvalidInvocation",
  "InitFailed"
] as const

// A user's own tagged error with the same name and the fields the runtime's classes read.
const userError = (tag: string) => {
  class UserError extends Schema.TaggedError<UserError>()(tag, {
    message: Schema.String,
    operation: Schema.String,
    reason: Schema.String,
    size: Schema.Number,
    status: Schema.Number
  }) {}
  return new UserError({ message: `user's ${tag}`, operation: "response", reason: "ParseError", size: 1, status: 500 })
}

const Input = Schema.Struct({ tag: Schema.String, stream: Schema.Boolean })

const handler = Handler.make({
  event: Input,
  handle: ({ tag }) => tag === "ok" ? Effect.succeed("ok") : Effect.fail(userError(tag))
})

const streaming = Handler.stream({
  event: Input,
  handle: ({ tag }) =>
    tag === "ok"
      ? Stream.make("ok")
      : Stream.concat(Stream.make("first byte"), Stream.fail(userError(tag)))
})

const errorBody = (body: string) =>
  JSON.parse(body) as { errorType: string; errorMessage: string; stackTrace: Array<string> }

describe("errors by identity", () => {
  it("the refinements know the runtime's classes, not their tags", () => {
    expect(RuntimeApiError.isRuntimeApiError(new RuntimeApiError.ContainerError({ operation: "next", message: "m" })))
      .toBe(true)
    expect(RuntimeApiError.isRuntimeApiError(new RuntimeApiError.TransportError({ operation: "next", message: "m" })))
      .toBe(true)
    expect(HandlerError.isHandlerError(new HandlerError.TimeoutError({ message: "m" }))).toBe(true)
    expect(HandlerError.isHandlerError(new RuntimeApiError.ContainerError({ operation: "next", message: "m" }))).toBe(
      false
    )
    for (const tag of RUNTIME_TAGS) {
      expect(RuntimeApiError.isRuntimeApiError(userError(tag))).toBe(false)
      expect(HandlerError.isHandlerError(userError(tag))).toBe(false)
    }
  })

  it("ErrorReport: a user's error named like a runtime error is Function.<Tag> with its stack", () => {
    for (const tag of RUNTIME_TAGS) {
      const report = ErrorReport.fromCause(Cause.fail(userError(tag)))
      expect([report.header, report.errorType, report.errorMessage]).toEqual([`Function.${tag}`, tag, `user's ${tag}`])
      expect(report.stackTrace.length).toBeGreaterThan(1)
    }
  })

  it.scoped("buffered: each is reported as Function.<Tag> and the loop goes on", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      for (const tag of RUNTIME_TAGS) {
        const report = yield* api.report(yield* api.enqueue({ tag, stream: false }))
        expect([report._tag, report.errorType]).toEqual(["Error", `Function.${tag}`])
        expect(errorBody(report.body)).toMatchObject({ errorType: tag, errorMessage: `user's ${tag}` })
        expect(errorBody(report.body).stackTrace.length).toBeGreaterThan(1)
      }
      // Served only if no user error stopped the loop (a fatal error would leave it unanswered).
      const ok = yield* api.report(yield* api.enqueue({ tag: "ok", stream: false }))
      expect([ok._tag, ok.body]).toEqual(["Response", "\"ok\""])
    }))

  it.scoped("streamed: a failure after the first byte ends the body with Function.<Tag> trailers and the loop goes on", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(streaming, Layer.empty, quiet)
      for (const tag of RUNTIME_TAGS) {
        const report = yield* api.report(yield* api.enqueue({ tag, stream: true }))
        expect([report._tag, report.streamed, report.body, report.errorType]).toEqual([
          "Response",
          true,
          "first byte",
          `Function.${tag}`
        ])
        expect(errorBody(report.errorBody!)).toMatchObject({ errorType: tag, errorMessage: `user's ${tag}` })
      }
      const ok = yield* api.report(yield* api.enqueue({ tag: "ok", stream: true }))
      expect([ok._tag, ok.body, ok.errorType]).toEqual(["Response", "ok", undefined])
      expect((yield* api.reports).length).toBe(RUNTIME_TAGS.length + 1)
    }))
})
