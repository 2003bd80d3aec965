import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as Handler from "../src/Handler.js"
import * as LambdaContext from "../src/LambdaContext.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import * as RuntimeApiError from "../src/RuntimeApiError.js"

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { message: Schema.String }) {}

const Op = Schema.Union(
  Schema.Struct({ op: Schema.Literal("ok"), value: Schema.Unknown }),
  Schema.Struct({ op: Schema.Literal("fail") }),
  Schema.Struct({ op: Schema.Literal("die") }),
  Schema.Struct({ op: Schema.Literal("interrupt") }),
  Schema.Struct({ op: Schema.Literal("bigint") }),
  Schema.Struct({ op: Schema.Literal("sleep"), ms: Schema.Number })
)

const handler = Handler.make({
  event: Op,
  handle: (event): Effect.Effect<unknown, NotFound> => {
    switch (event.op) {
      case "ok":
        return Effect.succeed(event.value)
      case "fail":
        return Effect.fail(new NotFound({ message: "missing" }))
      case "die":
        return Effect.die(new RangeError("defect"))
      case "interrupt":
        return Effect.interrupt
      case "bigint":
        return Effect.succeed({ n: BigInt(1) })
      case "sleep":
        return Effect.as(Effect.sleep(event.ms), "slept")
    }
  }
})

const errorBody = (body: string) =>
  JSON.parse(body) as { errorType: string; errorMessage: string; stackTrace: Array<string> }

describe("LambdaRuntime.run", () => {
  it.scoped("answers every outcome with exactly one report of the right type", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const cases = [
        [{ op: "ok", value: { a: 1 } }, "Response", undefined],
        [{ op: "ok", value: undefined }, "Response", undefined],
        [{ op: "fail" }, "Error", "Function.NotFound"],
        [{ op: "die" }, "Error", "Runtime.Defect"],
        [{ op: "interrupt" }, "Error", "Runtime.UnknownReason"],
        [{ op: "bigint" }, "Error", "Runtime.InvalidResponse"],
        [{ op: "nope" }, "Error", "Runtime.InvalidEvent"],
        ["not json at all", "Error", "Runtime.InvalidEvent"]
      ] as const
      const ids: Array<string> = []
      for (const [event] of cases) ids.push(yield* api.enqueue(event))
      const reports = yield* Effect.forEach(ids, api.report)
      expect(reports.map((r) => [r._tag, r.errorType])).toEqual(cases.map(([, tag, type]) => [tag, type]))
      expect(reports[0]!.body).toBe("{\"a\":1}")
      expect(reports[0]!.contentType).toBe("application/json")
      expect(reports[1]!.body).toBe("null")
      expect(errorBody(reports[2]!.body)).toMatchObject({ errorType: "NotFound", errorMessage: "missing" })
      expect(errorBody(reports[3]!.body).errorType).toBe("RangeError")
      expect(errorBody(reports[3]!.body).stackTrace.length).toBeGreaterThan(1)
      expect(errorBody(reports[5]!.body).errorType).toBe("TypeError")
      expect(errorBody(reports[6]!.body).errorType).toBe("ParseError")
      const all = yield* api.reports
      expect(all.length).toBe(cases.length)
      expect(new Set(all.map((r) => r.requestId)).size).toBe(cases.length)
    }))

  it.scoped("a handler without schemas gets parsed JSON, or the raw text", () =>
    Effect.gen(function*() {
      const echo = Handler.make({ handle: (event) => Effect.succeed({ got: event }) })
      const { api } = yield* LambdaTest.start(echo, Layer.empty, quiet)
      const a = yield* api.report(yield* api.enqueue({ x: [1, 2] }))
      const b = yield* api.report(yield* api.enqueue("plain text"))
      expect(JSON.parse(a.body)).toEqual({ got: { x: [1, 2] } })
      expect(JSON.parse(b.body)).toEqual({ got: "plain text" })
    }))

  it.scoped("encodes results with the response Schema; an invalid result is Runtime.InvalidResponse", () =>
    Effect.gen(function*() {
      const typed = Handler.make({
        response: Schema.Struct({ at: Schema.DateFromString, n: Schema.Positive }),
        handle: (event) => Effect.succeed({ at: new Date(0), n: event === "bad" ? -1 : 1 })
      })
      const { api } = yield* LambdaTest.start(typed, Layer.empty, quiet)
      const ok = yield* api.report(yield* api.enqueue("good"))
      expect(JSON.parse(ok.body)).toEqual({ at: "1970-01-01T00:00:00.000Z", n: 1 })
      const bad = yield* api.report(yield* api.enqueue("bad"))
      expect(bad.errorType).toBe("Runtime.InvalidResponse")
      expect(errorBody(bad.body).errorType).toBe("ParseError")
    }))

  it.scoped("interrupts a handler at its deadline (TestClock), runs its finalizers, reports Runtime.Timeout", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const slow = Handler.make({
        handle: () =>
          Effect.acquireRelease(Effect.void, () => Ref.set(released, true)).pipe(
            Effect.zipRight(Effect.never),
            Effect.scoped
          )
      })
      const { api } = yield* LambdaTest.start(slow, Layer.empty, quiet)
      const id = yield* api.enqueue({}, { timeoutMs: 3000 })
      yield* TestClock.adjust("2999 millis")
      expect(yield* api.reports).toEqual([])
      yield* TestClock.adjust("1 millis")
      const report = yield* api.report(id)
      expect(report.errorType).toBe("Runtime.Timeout")
      // Lambda's words: the budget is the deadline minus when the invocation was received.
      expect(errorBody(report.body)).toMatchObject({
        errorType: "TimeoutError",
        errorMessage: "Task timed out after 3.00 seconds"
      })
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.scoped("the deadline margin interrupts before the deadline", () =>
    Effect.gen(function*() {
      const slow = Handler.make({ handle: () => Effect.never })
      const { api } = yield* LambdaTest.start(slow, Layer.empty, { ...quiet, deadlineMarginMs: 500 })
      yield* TestClock.adjust("250 millis")
      const id = yield* api.enqueue({}, { timeoutMs: 1234 })
      yield* TestClock.adjust("734 millis")
      const report = yield* api.report(id)
      expect(report.errorType).toBe("Runtime.Timeout")
      // The budget, not the time the margin left the handler.
      expect(errorBody(report.body).errorMessage).toBe("Task timed out after 1.23 seconds")
    }))

  it.scoped("gives the handler its context; remaining time follows the Clock", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const seen = Handler.make({
        handle: () =>
          Effect.gen(function*() {
            const ctx = yield* LambdaContext.LambdaContext
            const before = yield* ctx.remainingTimeInMillis
            yield* Deferred.await(gate)
            const after = yield* LambdaContext.remainingTimeInMillis
            return {
              ...ctx,
              awsRequestId: ctx.awsRequestId,
              before,
              after,
              trace: process.env._X_AMZN_TRACE_ID ?? null
            }
          })
      })
      const { api } = yield* LambdaTest.start(seen, Layer.empty, {
        env: { AWS_LAMBDA_FUNCTION_NAME: "fn", AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256" }
      })
      const id = yield* api.enqueue({}, {
        timeoutMs: 10_000,
        traceId: "Root=1-abc",
        clientContext: { custom: { k: 1 } },
        cognitoIdentity: { cognitoIdentityId: "c" },
        tenantId: "t",
        invokedFunctionArn: "arn:x"
      })
      yield* TestClock.adjust("4 seconds")
      yield* Deferred.succeed(gate, void 0)
      const body = JSON.parse((yield* api.report(id)).body)
      expect(body).toMatchObject({
        requestId: id,
        awsRequestId: id,
        invokedFunctionArn: "arn:x",
        traceId: "Root=1-abc",
        clientContext: { custom: { k: 1 } },
        cognitoIdentity: { cognitoIdentityId: "c" },
        tenantId: "t",
        functionName: "fn",
        memoryLimitInMB: 256,
        trace: "Root=1-abc"
      })
      expect(body.before - body.after).toBe(4000)

      const id2 = yield* api.enqueue({})
      const gate2 = yield* Deferred.succeed(gate, void 0)
      expect(gate2).toBe(false)
      const body2 = JSON.parse((yield* api.report(id2)).body)
      // no trace header: the env var is removed, not left from the previous invocation
      expect(body2.trace).toBeNull()
    }))

  it.scoped("403 and 400 on a report are logged and the loop goes on", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      yield* api.failNext("response", new RuntimeApiError.Forbidden({ operation: "response", message: "no" }))
      const first = yield* api.enqueue({ op: "ok", value: 1 })
      yield* api.failNext("error", new RuntimeApiError.BadRequest({ operation: "error", message: "no" }))
      const second = yield* api.enqueue({ op: "fail" })
      const third = yield* api.enqueue({ op: "ok", value: 3 })
      expect((yield* api.report(third)).body).toBe("3")
      const ids = (yield* api.reports).map((r) => r.requestId)
      // the refused reports were never recorded as answers, and were not sent twice
      expect(ids).toEqual([third])
      expect(ids).not.toContain(first)
      expect(ids).not.toContain(second)
    }))

  it.scoped("413 on a response becomes one Function.ResponseSizeTooLarge error report", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      yield* api.failNext(
        "response",
        new RuntimeApiError.PayloadTooLarge({ operation: "response", message: "too big", size: 7_000_000 })
      )
      const id = yield* api.enqueue({ op: "ok", value: "x" })
      const report = yield* api.report(id)
      expect(report._tag).toBe("Error")
      expect(report.errorType).toBe("Function.ResponseSizeTooLarge")
      expect(errorBody(report.body).errorMessage).toContain("7000000")
      const next = yield* api.enqueue({ op: "ok", value: 2 })
      expect((yield* api.report(next)).body).toBe("2")
    }))

  it.scoped("a 500 on a report stops the runtime with ContainerError and runs the layer's finalizers", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(0)
      const layer = Layer.scopedDiscard(Effect.addFinalizer(() => Ref.update(released, (n) => n + 1)))
      const { api, exit } = yield* LambdaTest.start(handler, layer, quiet)
      yield* api.failNext("response", new RuntimeApiError.ContainerError({ operation: "response", message: "broken" }))
      yield* api.enqueue({ op: "ok", value: 1 })
      const result = yield* exit
      expect(Exit.isFailure(result) && result.cause).toBeTruthy()
      expect(Exit.match(result, { onFailure: (c) => String(c), onSuccess: () => "" })).toContain("ContainerError")
      expect(yield* Ref.get(released)).toBe(1)
    }))

  it.scoped("a 500 or a lost connection on next stops the runtime", () =>
    Effect.gen(function*() {
      for (
        const error of [
          new RuntimeApiError.ContainerError({ operation: "next", message: "x" }),
          new RuntimeApiError.TransportError({ operation: "next", message: "reset twice" })
        ]
      ) {
        const scope = yield* Scope.make()
        const { api, exit } = yield* LambdaTest.start(handler, Layer.empty, quiet).pipe(Scope.extend(scope))
        yield* api.failNext("next", error)
        const result = yield* exit
        expect(Exit.isFailure(result)).toBe(true)
        expect(JSON.stringify(Exit.isFailure(result) ? result.cause : null)).toContain(error._tag)
        yield* Scope.close(scope, Exit.void)
      }
    }))

  it.scoped("a malformed next answer runs no handler; one with a request id gets an error report", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const counting = Handler.make({ handle: () => Ref.updateAndGet(runs, (n) => n + 1) })
      const { api } = yield* LambdaTest.start(counting, Layer.empty, quiet)
      yield* api.enqueueRaw({ "lambda-runtime-deadline-ms": "1" }, "{}")
      yield* api.enqueueRaw(
        { "lambda-runtime-aws-request-id": "bad-deadline", "lambda-runtime-deadline-ms": "soon" },
        "{}"
      )
      const report = yield* api.report("bad-deadline")
      expect(report.errorType).toBe("Runtime.UnknownReason")
      expect(errorBody(report.body).errorType).toBe("InvalidInvocation")
      const ok = yield* api.enqueue({})
      expect((yield* api.report(ok)).body).toBe("1")
      expect(yield* Ref.get(runs)).toBe(1)
    }))

  it.scoped("builds the layer once, before the first next, and reuses it", () =>
    Effect.gen(function*() {
      class Pool extends Context.Tag("Pool")<Pool, { readonly id: number }>() {}
      const acquired = yield* Ref.make(0)
      const layer = Layer.effect(Pool, Effect.map(Ref.updateAndGet(acquired, (n) => n + 1), (id) => ({ id })))
      const usesPool = Handler.make({ handle: () => Effect.map(Pool, (pool) => pool.id) })
      const { api } = yield* LambdaTest.start(usesPool, layer, quiet)
      const ids = [yield* api.enqueue({}), yield* api.enqueue({}), yield* api.enqueue({})]
      const bodies = yield* Effect.forEach(ids, (id) => Effect.map(api.report(id), (r) => r.body))
      expect(bodies).toEqual(["1", "1", "1"])
      expect(yield* Ref.get(acquired)).toBe(1)
    }))

  it.scoped("an init failure posts /init/error with Runtime.InitError, and no next is made", () =>
    Effect.gen(function*() {
      class Boom extends Schema.TaggedError<Boom>()("Boom", { message: Schema.String }) {}
      const { api, exit } = yield* LambdaTest.start(handler, Layer.fail(new Boom({ message: "no db" })), quiet)
      const report = yield* api.initError
      expect(report.errorType).toBe("Runtime.InitError")
      expect(errorBody(report.body)).toMatchObject({ errorType: "Boom", errorMessage: "no db" })
      const result = yield* exit
      expect(Exit.isFailure(result)).toBe(true)
      expect(JSON.stringify(Exit.isFailure(result) ? result.cause : null)).toContain("InitFailed")
      expect(yield* api.nextCalls).toBe(0)
    }))

  it.scoped("a bad Lambda environment value is Runtime.ConfigInvalid at init", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, {
        env: { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "lots", AWS_LAMBDA_LOG_LEVEL: "FATAL" }
      })
      const report = yield* api.initError
      expect(report.errorType).toBe("Runtime.ConfigInvalid")
      expect(errorBody(report.body).errorMessage).toContain("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    }))

  it.scoped("_HANDLER picks one of several handlers; an unknown name is Runtime.NoSuchHandler", () =>
    Effect.gen(function*() {
      const a = Handler.make({ handle: () => Effect.succeed("a") })
      const b = Handler.make({ handle: () => Effect.succeed("b") })
      const picked = yield* LambdaTest.start({ a, b }, Layer.empty, { env: { _HANDLER: "index.b" } })
      expect((yield* picked.api.report(yield* picked.api.enqueue({}))).body).toBe("\"b\"")
      const missing = yield* LambdaTest.start({ a, b }, Layer.empty, {
        env: { _HANDLER: "index.c", AWS_LAMBDA_LOG_LEVEL: "FATAL" }
      })
      const report = yield* missing.api.initError
      expect(report.errorType).toBe("Runtime.NoSuchHandler")
      expect(errorBody(report.body).errorMessage).toContain("a, b")
    }))

  it.scoped("AWS_LAMBDA_MAX_CONCURRENCY serves that many invocations at once", () =>
    Effect.gen(function*() {
      const running = yield* Ref.make(0)
      const peak = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const tracked = Handler.make({
        handle: () =>
          Effect.gen(function*() {
            const now = yield* Ref.updateAndGet(running, (n) => n + 1)
            yield* Ref.update(peak, (p) => Math.max(p, now))
            yield* Deferred.await(gate)
            yield* Ref.update(running, (n) => n - 1)
            return now
          })
      })
      const { api } = yield* LambdaTest.start(tracked, Layer.empty, { env: { AWS_LAMBDA_MAX_CONCURRENCY: "3" } })
      const ids = yield* Effect.forEach([1, 2, 3, 4], () => api.enqueue({}))
      yield* Effect.iterate(0, {
        while: (n) => n < 3,
        body: () => Effect.zipRight(Effect.yieldNow(), Ref.get(running))
      })
      expect(yield* Ref.get(running)).toBe(3)
      yield* Deferred.succeed(gate, void 0)
      yield* Effect.forEach(ids, api.report)
      expect(yield* Ref.get(peak)).toBe(3)
    }))

  it.effect("stopping the runtime mid-invocation still reports that invocation once", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const started = yield* Deferred.make<void>()
      const slow = Handler.make({ handle: () => Effect.zipRight(Deferred.succeed(started, void 0), Effect.never) })
      const { api } = yield* LambdaTest.start(slow, Layer.empty, quiet).pipe(Scope.extend(scope))
      const id = yield* api.enqueue({}, { timeoutMs: 60_000 })
      yield* Deferred.await(started)
      yield* Scope.close(scope, Exit.void)
      const reports = yield* api.reports
      expect(reports.map((r) => [r.requestId, r.errorType])).toEqual([[id, "Runtime.UnknownReason"]])
    }))
})

describe("LambdaRuntime.startHook", () => {
  it("runMain hands its start to the hook, once, and starts nothing itself", () => {
    const starts: Array<() => void> = []
    const hook: LambdaRuntime.StartHook = (start) => void starts.push(start)
    Object.assign(globalThis, { [LambdaRuntime.startHook]: hook })
    try {
      LambdaRuntime.runMain(handler, Layer.empty)
      expect(starts.length).toBe(1)
      expect(typeof starts[0]).toBe("function")
      // Taken: a later runMain would start at once, not hand its start to a stale hook.
      expect(LambdaRuntime.startHook in globalThis).toBe(false)
    } finally {
      delete (globalThis as { [LambdaRuntime.startHook]?: unknown })[LambdaRuntime.startHook]
    }
  })
})
