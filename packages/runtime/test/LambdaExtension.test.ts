import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as http from "node:http"
import * as ExtensionsApi from "../src/ExtensionsApi.js"
import * as ExtensionsApiError from "../src/ExtensionsApiError.js"
import * as LambdaExtension from "../src/LambdaExtension.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

class Boom extends Data.TaggedError("Boom")<{ readonly message: string }> {}

/**
 * A strict Extensions API: register once (with the name header), then `event/next` answers the
 * scripted events in order; anything else is a 4xx the client would see.
 */
const fakeApi = (events: ReadonlyArray<(res: http.ServerResponse) => void>) =>
  Effect.gen(function*() {
    let served = 0
    const log: Array<string> = []
    const fake = yield* FakeRuntimeApi.make((request, res) => {
      const path = request.url
      log.push(`${request.method} ${path}`)
      if (path === "/2020-01-01/extension/register") {
        if (request.headers["lambda-extension-name"] === undefined) {
          return FakeRuntimeApi.json(res, 400, { errorType: "Extension.MissingName" })
        }
        return FakeRuntimeApi.json(res, 200, { functionName: "f", functionVersion: "$LATEST", handler: "h" }, {
          "lambda-extension-identifier": "id-1"
        })
      }
      if (request.headers["lambda-extension-identifier"] !== "id-1") {
        return FakeRuntimeApi.json(res, 403, { errorType: "Extension.UnknownExtensionIdentifier" })
      }
      if (path === "/2020-01-01/extension/event/next") {
        const next = events[served++]
        // No more events: stay pending, as Lambda does until the next one.
        return next?.(res)
      }
      FakeRuntimeApi.json(res, 202, { status: "OK" })
    })
    return { fake, log }
  })

const invoke = (requestId: string) => (res: http.ServerResponse) =>
  FakeRuntimeApi.json(res, 200, {
    eventType: "INVOKE",
    deadlineMs: Date.now() + 3000,
    requestId,
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:f"
  })
const shutdown = (inMs: number) => (res: http.ServerResponse) =>
  FakeRuntimeApi.json(res, 200, { eventType: "SHUTDOWN", shutdownReason: "spindown", deadlineMs: Date.now() + inMs })

const runAgainst = <E, R, ROut, E2>(
  address: string,
  extension: LambdaExtension.Extension<E, R>,
  layer: Layer.Layer<ROut, E2, ExtensionsApi.ExtensionsApi | LambdaExtension.Registration>
) =>
  Effect.exit(
    LambdaExtension.run(extension, layer).pipe(Effect.provide(ExtensionsApi.layerAddress(address)))
  ) as Effect.Effect<Exit.Exit<void, unknown>>

// Real time (deadlines are wall-clock), and a scope for the fake server.
const live = (name: string, body: () => Effect.Effect<void, unknown, import("effect/Scope").Scope>) =>
  it.live(name, () => Effect.scoped(body()))

describe("LambdaExtension.run (against a real HTTP Extensions API)", () => {
  live(
    "registers first, builds the layer once, runs onInvoke per INVOKE, onShutdown then the finalizers at SHUTDOWN",
    () =>
      Effect.gen(function*() {
        const { fake, log } = yield* fakeApi([invoke("r-1"), invoke("r-2"), shutdown(2000)])
        const seen: Array<string> = []
        const layer = Layer.scopedDiscard(Effect.gen(function*() {
          const registration = yield* LambdaExtension.Registration
          seen.push(`init ${registration.identifier} ${log.length}`)
          yield* Effect.addFinalizer(() => Effect.sync(() => seen.push("released")))
        }))
        const extension = LambdaExtension.make({
          name: "recorder",
          onInvoke: (event) => Effect.sync(() => seen.push(`invoke ${event.requestId}`)),
          onShutdown: (event) => Effect.sync(() => seen.push(`shutdown ${event.shutdownReason}`))
        })
        const exit = yield* runAgainst(fake.address, extension, layer)
        expect(Exit.isSuccess(exit)).toBe(true)
        expect(seen).toEqual(["init id-1 1", "invoke r-1", "invoke r-2", "shutdown spindown", "released"])
        expect(fake.requests[0]!.headers["lambda-extension-name"]).toBe("recorder")
        expect(JSON.parse(fake.requests[0]!.body.toString())).toEqual({ events: ["INVOKE", "SHUTDOWN"] })
        expect(log.slice(1)).toEqual(Array(3).fill("GET /2020-01-01/extension/event/next"))
      })
  )

  live("without onInvoke it subscribes to SHUTDOWN only", () =>
    Effect.gen(function*() {
      const { fake } = yield* fakeApi([shutdown(2000)])
      const exit = yield* runAgainst(fake.address, LambdaExtension.make({ name: "quiet" }), Layer.empty)
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(JSON.parse(fake.requests[0]!.body.toString())).toEqual({ events: ["SHUTDOWN"] })
    }))

  live(
    "a layer that fails is posted to init/error as Extension.<Tag>; no event is asked for",
    () =>
      Effect.gen(function*() {
        const { fake, log } = yield* fakeApi([shutdown(2000)])
        const exit = yield* runAgainst(
          fake.address,
          LambdaExtension.make({ name: "x" }),
          Layer.effectDiscard(Effect.fail(new Boom({ message: "no config" })))
        )
        const failure = Cause.failureOption((exit as Exit.Failure<void, unknown>).cause)
        expect(failure._tag === "Some" && LambdaExtension.isExtensionFailed(failure.value) && failure.value.phase).toBe(
          "init"
        )
        expect(log).toEqual(["POST /2020-01-01/extension/register", "POST /2020-01-01/extension/init/error"])
        const posted = fake.requests[1]!
        expect(posted.headers["lambda-extension-function-error-type"]).toBe("Extension.Boom")
        expect(JSON.parse(posted.body.toString())).toMatchObject({
          errorType: "Extension.Boom",
          errorMessage: "no config"
        })
      })
  )

  live("a failing onInvoke is posted to exit/error and the layer is released", () =>
    Effect.gen(function*() {
      const { fake, log } = yield* fakeApi([invoke("r-1"), shutdown(2000)])
      let released = false
      const exit = yield* runAgainst(
        fake.address,
        LambdaExtension.make({ name: "x", onInvoke: () => Effect.die(new RangeError("bad")) }),
        Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => void (released = true))))
      )
      expect(Exit.isFailure(exit)).toBe(true)
      expect(released).toBe(true)
      expect(log.at(-1)).toBe("POST /2020-01-01/extension/exit/error")
      expect(fake.requests.at(-1)!.headers["lambda-extension-function-error-type"]).toBe("Extension.RangeError")
    }))

  live(
    "an onShutdown that overruns the SHUTDOWN deadline is cut at the deadline, reported, and the layer still released",
    () =>
      Effect.gen(function*() {
        const { fake, log } = yield* fakeApi([shutdown(400)])
        // What happened, in order, with the wall time of the cut and the event's deadline: the
        // cut must come from the deadline (not before it, not from a hang ended by the test's
        // timeout), and the layer be released after it. No bound on the run's total time: a
        // loaded CI box may fire the timer late, which says nothing about the mechanism.
        const events: Array<string> = []
        let cutAt = 0
        let deadlineMs = 0
        const exit = yield* runAgainst(
          fake.address,
          LambdaExtension.make({
            name: "slow",
            onShutdown: (event) =>
              Effect.onInterrupt(Effect.never, () =>
                Effect.sync(() => {
                  cutAt = Date.now()
                  deadlineMs = event.deadlineMs
                  events.push("onShutdown cut")
                }))
          }),
          Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => void events.push("released"))))
        )
        expect(Exit.isFailure(exit)).toBe(true)
        expect(events).toEqual(["onShutdown cut", "released"])
        // cut at the deadline less the default 50 ms margin (a timer never fires early; 20 ms for
        // clock rounding), and well within the budget's order of magnitude, not at a test timeout
        expect(cutAt).toBeGreaterThanOrEqual(deadlineMs - 50 - 20)
        expect(cutAt).toBeLessThan(deadlineMs + 15_000)
        expect(log.at(-1)).toBe("POST /2020-01-01/extension/exit/error")
        expect(JSON.parse(fake.requests.at(-1)!.body.toString()).errorMessage).toMatch(/SHUTDOWN deadline/)
      })
  )

  live("a 500 on event/next stops at once: no exit/error, the layer released", () =>
    Effect.gen(function*() {
      const { fake, log } = yield* fakeApi([(res) => FakeRuntimeApi.json(res, 500, { errorType: "ContainerError" })])
      let released = false
      const exit = yield* runAgainst(
        fake.address,
        LambdaExtension.make({ name: "x", onInvoke: () => Effect.void }),
        Layer.scopedDiscard(Effect.addFinalizer(() => Effect.sync(() => void (released = true))))
      )
      const failure = Cause.failureOption((exit as Exit.Failure<void, unknown>).cause)
      expect(failure._tag === "Some" && ExtensionsApiError.isContainerError(failure.value)).toBe(true)
      expect(released).toBe(true)
      expect(log).not.toContain("POST /2020-01-01/extension/exit/error")
    }))
})
