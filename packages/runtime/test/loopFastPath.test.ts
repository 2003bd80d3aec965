// The invocation loop's fast path (internal/loop.ts, internal/fastPath.ts): the live Runtime API
// client against a real server on 127.0.0.1, so the loop drives the wire by callbacks while
// handlers end at once, and hands everything else back to the Effect path. Each outcome must be
// reported exactly as on the Effect path (LambdaRuntime.test.ts runs those against the mock API).
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as http from "node:http"
import * as Handler from "../src/Handler.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import * as RuntimeApi from "../src/RuntimeApi.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

const Op = Schema.Union(
  Schema.Struct({ op: Schema.Literal("ok"), value: Schema.Unknown }),
  Schema.Struct({ op: Schema.Literal("fail") }),
  Schema.Struct({ op: Schema.Literal("sleep"), ms: Schema.Number })
)

const handler = Handler.make({
  event: Op,
  handle: (event): Effect.Effect<unknown, Error> => {
    switch (event.op) {
      case "ok":
        return Effect.succeed(event.value)
      case "fail":
        return Effect.fail(new Error("failed on purpose"))
      case "sleep":
        return Effect.as(Effect.sleep(event.ms), "slept")
    }
  }
})

/**
 * A Runtime API that hands out `events` in order, then holds `next` open; `onReport` decides
 * how each report is answered (default 202).
 */
const serve = (
  events: ReadonlyArray<unknown>,
  onReport: (request: FakeRuntimeApi.Recorded, res: http.ServerResponse) => void = (_r, res) =>
    FakeRuntimeApi.json(res, 202, { status: "OK" })
) => {
  let issued = 0
  let count = 0
  const waiting: Array<[number, () => void]> = []
  const fake = FakeRuntimeApi.make((request, res) => {
    if (!request.url.endsWith("/invocation/next")) {
      count++
      for (const [n, wake] of waiting) if (count >= n) wake()
      return onReport(request, res)
    }
    if (issued >= events.length) return // held, as Lambda holds an idle sandbox's next
    const id = `id-${issued}`
    const body = JSON.stringify(events[issued++])
    res.writeHead(200, { ...FakeRuntimeApi.invocationHeaders(id), "content-type": "application/json" })
    res.end(body)
  })
  // Resolves once `n` reports have arrived (no polling, no sleeping).
  const reported = (n: number) =>
    Effect.async<void>((resume) => {
      if (count >= n) return resume(Effect.void)
      waiting.push([n, () => resume(Effect.void)])
    })
  return Effect.map(fake, (api) => ({ ...api, reported }))
}

const start = (address: string) =>
  LambdaRuntime.run(handler, Layer.empty).pipe(
    Effect.provide(RuntimeApi.layerAddress(address)),
    Effect.withConfigProvider(
      ConfigProvider.fromMap(new Map([["AWS_LAMBDA_RUNTIME_API", address], ["AWS_LAMBDA_LOG_LEVEL", "FATAL"]]))
    ),
    Effect.forkScoped
  )

const reports = (fake: FakeRuntimeApi.FakeApi) =>
  fake.requests.filter((r) => !r.url.endsWith("/invocation/next")).map((r) => [
    r.url.replace("/2018-06-01/runtime/invocation/", ""),
    r.body.toString("utf8")
  ])

const waitFor = (
  fake: FakeRuntimeApi.FakeApi & { readonly reported: (n: number) => Effect.Effect<void> },
  count: number
): Effect.Effect<Array<Array<string>>> => Effect.map(fake.reported(count), () => reports(fake))

describe("the invocation loop's fast path (live client)", () => {
  it.scopedLive(
    "handlers that end at once and one that waits are each reported once, in order",
    () =>
      Effect.gen(function*() {
        const events = [
          { op: "ok", value: 1 },
          { op: "ok", value: 2 },
          { op: "sleep", ms: 20 },
          { op: "ok", value: 4 },
          { op: "fail" },
          { op: "ok", value: 6 }
        ]
        const fake = yield* serve(events)
        yield* start(fake.address)
        const got = yield* waitFor(fake, events.length)
        expect(got.map(([url]) => url)).toEqual([
          "id-0/response",
          "id-1/response",
          "id-2/response",
          "id-3/response",
          "id-4/error",
          "id-5/response"
        ])
        expect(got.map(([, body]) => body).filter((_, i) => i !== 4)).toEqual(["1", "2", "\"slept\"", "4", "6"])
        expect(JSON.parse(got[4]![1]!).errorMessage).toBe("failed on purpose")
      }),
    { timeout: 30_000 }
  )

  it.scopedLive(
    "a 413 on a response becomes one Function.ResponseSizeTooLarge report; a 403 is passed over",
    () =>
      Effect.gen(function*() {
        const fake = yield* serve(
          [{ op: "ok", value: "big" }, { op: "ok", value: "refused" }, { op: "ok", value: 3 }],
          (request, res) => {
            if (request.url === "/2018-06-01/runtime/invocation/id-0/response") {
              return FakeRuntimeApi.json(res, 413, { errorType: "RequestEntityTooLarge", errorMessage: "too big" })
            }
            if (request.url === "/2018-06-01/runtime/invocation/id-1/response") {
              return FakeRuntimeApi.json(res, 403, { errorType: "InvalidStateTransition", errorMessage: "no" })
            }
            FakeRuntimeApi.json(res, 202, { status: "OK" })
          }
        )
        yield* start(fake.address)
        const got = yield* waitFor(fake, 4)
        expect(got.map(([url]) => url)).toEqual([
          "id-0/response",
          "id-0/error",
          "id-1/response",
          "id-2/response"
        ])
        const error = fake.requests.find((r) => r.url.endsWith("id-0/error"))!
        expect(error.headers["lambda-runtime-function-error-type"]).toBe("Function.ResponseSizeTooLarge")
      }),
    { timeout: 30_000 }
  )

  it.scopedLive("a 500 on a response stops the runtime with ContainerError", () =>
    Effect.gen(function*() {
      const fake = yield* serve(
        [{ op: "ok", value: 1 }],
        (_request, res) => FakeRuntimeApi.json(res, 500, { errorType: "ServiceError", errorMessage: "broken" })
      )
      const fiber = yield* start(fake.address)
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(JSON.stringify(Exit.isFailure(exit) ? exit.cause : null)).toContain("ContainerError")
    }), { timeout: 30_000 })

  it.scopedLive(
    "stopping the runtime while a response is in flight does not abandon that response",
    () =>
      Effect.gen(function*() {
        const arrived = yield* Deferred.make<http.ServerResponse>()
        const fake = yield* serve([{ op: "ok", value: 1 }], (_request, res) => {
          // Hold the answer: the runtime is stopped while it waits for it.
          Deferred.unsafeDone(arrived, Exit.succeed(res))
        })
        const fiber = yield* start(fake.address)
        const res = yield* Deferred.await(arrived)
        const stopping = yield* Effect.fork(Fiber.interrupt(fiber))
        // Let the interruption be processed as far as it goes before the answer.
        yield* Effect.sleep("50 millis")
        // Abandoning the exchange would have destroyed the connection by now.
        expect(res.socket?.destroyed).toBe(false)
        FakeRuntimeApi.json(res, 202, { status: "OK" })
        const exit = yield* Fiber.join(stopping)
        expect(Exit.isInterrupted(exit)).toBe(true)
        expect(reports(fake)).toEqual([["id-0/response", "1"]])
      }),
    { timeout: 30_000 }
  )
})
