// Every conformance op through the real loop on the mock Runtime API.
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { ConformanceLayer, handler } from "../src/handler.js"

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }

describe("conformance handler", () => {
  it.effect("echo responds its value", () =>
    Effect.gen(function*() {
      expect(yield* LambdaTest.invoke(handler, { op: "echo", value: { a: [1, "b", null] } })).toMatchObject({
        json: { a: [1, "b", null] }
      })
    }))

  it.effect("context responds every field, absent ones as null", () =>
    Effect.gen(function*() {
      const full = yield* LambdaTest.invoke(handler, { op: "context" }, {
        traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        clientContext: { custom: { a: 1 } },
        cognitoIdentity: { cognitoIdentityId: "x" },
        tenantId: "t-1",
        timeoutMs: 3000
      })
      expect(full).toMatchObject({
        _tag: "Response",
        json: {
          requestId: full.requestId,
          traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          traceEnv: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
          clientContext: { custom: { a: 1 } },
          cognitoIdentity: { cognitoIdentityId: "x" },
          tenantId: "t-1",
          remainingTimeMs: 3000,
          functionName: "test_function",
          functionVersion: "$LATEST",
          memoryLimitInMB: 128
        }
      })
      const bare = yield* LambdaTest.invoke(handler, { op: "context" })
      expect(bare).toMatchObject({
        json: { traceId: null, traceEnv: null, clientContext: null, cognitoIdentity: null, tenantId: null }
      })
    }))

  it.effect("fail reports Function.<tag> with the exact tag; throw reports Runtime.Defect", () =>
    Effect.gen(function*() {
      expect(yield* LambdaTest.invoke(handler, { op: "fail", tag: "OrderNotFound", message: "no order 7" }, quiet))
        .toMatchObject({
          _tag: "Error",
          errorType: "Function.OrderNotFound",
          body: { errorType: "OrderNotFound", errorMessage: "no order 7" }
        })
      expect(yield* LambdaTest.invoke(handler, { op: "fail", tag: "bad tag-1", message: "m" }, quiet)).toMatchObject({
        errorType: "Function.BadTag",
        body: { errorType: "bad tag-1" }
      })
      const thrown = yield* LambdaTest.invoke(handler, { op: "throw", message: "kaboom" }, quiet)
      expect(thrown).toMatchObject({
        errorType: "Runtime.Defect",
        body: { errorType: "Error", errorMessage: "kaboom" }
      })
      expect(thrown._tag === "Error" && thrown.body.stackTrace.some((line) => line.includes("handler.ts"))).toBe(true)
    }))

  it.effect("sleep responds after the delay; past the deadline it is Runtime.Timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        LambdaTest.invoke(handler, { op: "sleep", ms: 1000, value: "late" }, { timeoutMs: 3000 })
      )
      yield* TestClock.adjust("1 second")
      expect(yield* fiber.await.pipe(Effect.flatten)).toMatchObject({ json: "late" })
      const slow = yield* Effect.fork(
        LambdaTest.invoke(handler, { op: "sleep", ms: 10_000, value: "never" }, { ...quiet, timeoutMs: 3000 })
      )
      yield* TestClock.adjust("3 seconds")
      expect(yield* fiber.await.pipe(Effect.flatten, Effect.zipRight(slow.await), Effect.flatten)).toMatchObject({
        errorType: "Runtime.Timeout"
      })
    }))

  it.effect("big responds that many bytes; bigint is Runtime.InvalidResponse", () =>
    Effect.gen(function*() {
      const big = yield* LambdaTest.invoke(handler, { op: "big", bytes: 1000 })
      expect(big._tag === "Response" && big.body.length).toBe(1002)
      expect(yield* LambdaTest.invoke(handler, { op: "bigint" }, quiet)).toMatchObject({
        errorType: "Runtime.InvalidResponse",
        body: { errorType: "TypeError" }
      })
    }))

  it.effect("any other shape is Runtime.InvalidEvent", () =>
    Effect.gen(function*() {
      for (const event of [{ op: "nope" }, { op: "big", bytes: -1 }, { op: "fail", tag: 1 }, "text", 42]) {
        expect(yield* LambdaTest.invoke(handler, event, quiet)).toMatchObject({ errorType: "Runtime.InvalidEvent" })
      }
    }))

  it.effect("CONFORMANCE_INIT=fail fails init with InitBoom", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { api } = yield* LambdaTest.start(handler, ConformanceLayer, {
        env: { CONFORMANCE_INIT: "fail", AWS_LAMBDA_LOG_LEVEL: "FATAL" }
      }).pipe(Scope.extend(scope))
      const report = yield* api.initError
      expect(report.errorType).toBe("Runtime.InitError")
      expect(JSON.parse(report.body)).toMatchObject({ errorType: "InitBoom" })
      yield* Scope.close(scope, Exit.void)
    }))

  it.effect("CONFORMANCE_FINALIZER_FILE gets `released` when the runtime stops", () =>
    Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "conf-")), "released")
      const scope = yield* Scope.make()
      const { api } = yield* LambdaTest.start(handler, ConformanceLayer, { env: { CONFORMANCE_FINALIZER_FILE: file } })
        .pipe(Scope.extend(scope))
      yield* api.report(yield* api.enqueue({ op: "echo", value: 1 }))
      expect(fs.existsSync(file)).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(fs.readFileSync(file, "utf8")).toBe("released\n")
    }))
})
