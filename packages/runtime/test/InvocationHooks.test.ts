import { LambdaTest, MockRuntimeApi } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as Handler from "../src/Handler.js"
import * as InvocationHooks from "../src/InvocationHooks.js"
import * as LambdaContext from "../src/LambdaContext.js"

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }

const handler = Handler.make({
  handle: (event: unknown): Effect.Effect<unknown, string> =>
    event === "fail" ? Effect.fail("nope") : event === "never" ? Effect.never : Effect.succeed({ got: event })
})

// A hook that records what it sees, and whether the invocation's report was already posted
// when its onEnd ran (it must not be).
const recorder = (name: string, log: Array<string>, api: () => MockRuntimeApi.MockRuntimeApiShape) =>
  InvocationHooks.layer({
    onStart: (ctx) => Effect.sync(() => log.push(`${name} start ${ctx.requestId}`)),
    onEnd: (ctx, exit) =>
      Effect.flatMap(api().reports, (reports) =>
        Effect.sync(() => {
          const posted = reports.some((report) => report.requestId === ctx.requestId)
          log.push(`${name} end ${ctx.requestId} ${Exit.isSuccess(exit) ? "success" : "failure"} posted=${posted}`)
        }))
  })

describe("InvocationHooks", () => {
  it.scoped("hooks registered by the function's layer run around every invocation, before its report", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const holder: { mock?: MockRuntimeApi.MockRuntimeApiShape } = {}
      const api = () => holder.mock!
      // Two hooks from layers built side by side: both are kept.
      const layer = Layer.merge(recorder("a", log, api), recorder("b", log, api))
      const { api: started } = yield* LambdaTest.start(handler, layer, quiet)
      holder.mock = started
      const ok = yield* started.report(yield* started.enqueue("x", { requestId: "r-1" }))
      expect(ok._tag).toBe("Response")
      const failed = yield* started.report(yield* started.enqueue("fail", { requestId: "r-2" }))
      expect(failed._tag).toBe("Error")
      expect(log).toEqual([
        "a start r-1",
        "b start r-1",
        "b end r-1 success posted=false",
        "a end r-1 success posted=false",
        "a start r-2",
        "b start r-2",
        "b end r-2 failure posted=false",
        "a end r-2 failure posted=false"
      ])
    }))

  it.scoped("onEnd runs when the deadline interrupts the handler, before the Runtime.Timeout report", () =>
    Effect.gen(function*() {
      const ended = yield* Deferred.make<string>()
      const layer = InvocationHooks.layer({
        onEnd: (ctx, exit) =>
          Deferred.succeed(ended, `${ctx.requestId} ${Exit.isInterrupted(exit) ? "interrupted" : "other"}`)
      })
      const { api } = yield* LambdaTest.start(handler, layer, quiet)
      const id = yield* api.enqueue("never", { requestId: "slow", timeoutMs: 1000 })
      yield* TestClock.adjust("1 second")
      const report = yield* api.report(id)
      expect(report.errorType).toBe("Runtime.Timeout")
      expect(yield* Deferred.await(ended)).toBe("slow interrupted")
    }))

  it.scoped("a failing hook does not change the invocation's outcome", () =>
    Effect.gen(function*() {
      const layer = Layer.merge(
        InvocationHooks.layer({ onStart: () => Effect.die(new Error("start hook broke")) }),
        InvocationHooks.layer({ onEnd: () => Effect.die(new Error("end hook broke")) })
      )
      const { api } = yield* LambdaTest.start(handler, layer, quiet)
      const report = yield* api.report(yield* api.enqueue(1))
      expect(report._tag).toBe("Response")
      expect(JSON.parse(report.body)).toEqual({ got: 1 })
    }))

  it.scoped("wrap holds during the whole program and the hooks' onStart; onEnd runs after every wrap ended", () =>
    Effect.gen(function*() {
      const tag = FiberRef.unsafeMake("none")
      const seen: Array<string> = []
      const read = (where: string) =>
        Effect.flatMap(FiberRef.get(tag), (value) => Effect.sync(() => seen.push(`${where}:${value}`)))
      const layer = Layer.mergeAll(
        InvocationHooks.layer({ wrap: (self, ctx) => Effect.locally(self, tag, ctx.requestId) }),
        InvocationHooks.layer({ onStart: () => read("start"), onEnd: () => read("end") })
      )
      const reading = Handler.make({
        handle: () => Effect.zipRight(read("handler"), Effect.map(LambdaContext.LambdaContext, (ctx) => ctx.requestId))
      })
      const { api } = yield* LambdaTest.start(reading, layer, quiet)
      const report = yield* api.report(yield* api.enqueue({}, { requestId: "w-1" }))
      expect(JSON.parse(report.body)).toBe("w-1")
      // onEnd comes after the wraps (a span a wrap opened has ended by the time a flush runs)
      expect(seen).toEqual(["start:w-1", "handler:w-1", "end:none"])
    }))

  it.scoped("with AWS_LAMBDA_MAX_CONCURRENCY every loop runs the hooks, each with its own invocation", () =>
    Effect.gen(function*() {
      const ends: Array<string> = []
      const layer = InvocationHooks.layer({ onEnd: (ctx) => Effect.sync(() => ends.push(ctx.requestId)) })
      const { api } = yield* LambdaTest.start(handler, layer, {
        env: { ...quiet.env, AWS_LAMBDA_MAX_CONCURRENCY: "3" }
      })
      const ids = yield* Effect.forEach(
        ["c-1", "c-2", "c-3", "c-4"],
        (requestId) => api.enqueue(requestId, { requestId })
      )
      const reports = yield* Effect.forEach(ids, api.report)
      expect(reports.map((report) => JSON.parse(report.body))).toEqual(ids.map((id) => ({ got: id })))
      expect([...ends].sort()).toEqual(ids)
    }))

  it("with no hooks the runtime adds nothing to an invocation", () => {
    expect(InvocationHooks.compose(HashSet.empty())).toBeUndefined()
    expect(InvocationHooks.compose(HashSet.make(InvocationHooks.make({})))).toBeTypeOf("function")
  })
})
