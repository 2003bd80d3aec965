import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"

describe("hello", () => {
  it.effect("greets by name", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { name: "world" })
      expect(result).toMatchObject({ _tag: "Response", json: { message: "hello world" } })
    }))

  it.effect("rejects an event without a name as Runtime.InvalidEvent", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { nom: "world" }, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      expect(result).toMatchObject({
        _tag: "Error",
        errorType: "Runtime.InvalidEvent",
        body: { errorType: "ParseError" }
      })
    }))
})
