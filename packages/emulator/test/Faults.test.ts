import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as Http from "node:http"
import { Emulator } from "../src/index.js"
import { collectLogs, json, next, request, requestId, respond, text } from "./utils.js"

const start = (options: Partial<Emulator.Options> = {}) => {
  const calls: Array<Emulator.RuntimeCall> = []
  return Emulator.make({ onLog: collectLogs().onLog, onRuntimeCall: (call) => void calls.push(call), ...options }).pipe(
    Effect.map((emulator) => ({ emulator, calls }))
  )
}

/** How a raw call ended: a complete answer, or the connection gone before it was complete. */
const attempt = (url: string, path: string, options: { method?: string; body?: string } = {}) =>
  Effect.async<{ status: number | undefined; complete: boolean; headers: Http.IncomingHttpHeaders }>((resume) => {
    const req = Http.request(`${url}${path}`, { method: options.method ?? "GET", agent: false }, (res) => {
      res.on("data", () => {})
      res.on("error", () => {})
      res.on(
        "close",
        () => resume(Effect.succeed({ status: res.statusCode, complete: res.complete, headers: res.headers }))
      )
    })
    req.on("error", () => resume(Effect.succeed({ status: undefined, complete: false, headers: {} })))
    req.end(options.body)
  })

const nextPath = "/2018-06-01/runtime/invocation/next"
const responsePath = (id: string) => `/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`

describe("fault injection", () => {
  it.scopedLive("a refused report (403 on error) ends the invocation; the runtime may poll next again", () =>
    Effect.gen(function*() {
      const { calls, emulator } = yield* start()
      yield* emulator.injectFault({ endpoint: "error", fault: { _tag: "Status", status: 403 } })
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const refused = yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/error`, {
        method: "POST",
        body: "{}",
        headers: { "Lambda-Runtime-Function-Error-Type": "Function.Nope" }
      })
      expect(refused.status).toBe(403)
      const result = yield* Fiber.join(invoker)
      expect(json(result.payload).errorType).toBe("Runtime.InjectedFault")
      const second = yield* Effect.fork(emulator.invoke("{}"))
      const id2 = requestId(yield* next(emulator))
      expect((yield* respond(emulator, id2, "ok")).status).toBe(202)
      expect(text((yield* Fiber.join(second)).payload)).toBe("ok")
      expect(calls.map((c) => [c.endpoint, c.status, c.fault, c.errorType])).toEqual([
        ["next", 200, undefined, undefined],
        ["error", 403, "Status", "Function.Nope"],
        ["next", 200, undefined, undefined],
        ["response", 202, undefined, undefined]
      ])
      expect(calls.map((c) => c.requestId)).toEqual([id, id, id2, id2])
    }))

  it.scopedLive("Reset on next hands the invocation out and cuts its answer in the middle of the body", () =>
    Effect.gen(function*() {
      const { calls, emulator } = yield* start({ faults: [{ endpoint: "next", fault: { _tag: "Reset" } }] })
      yield* Effect.fork(emulator.invoke(JSON.stringify({ padding: "x".repeat(1000) })))
      const cut = yield* attempt(emulator.url, nextPath)
      expect(cut.status).toBe(200)
      expect(cut.complete).toBe(false)
      const id = cut.headers["lambda-runtime-aws-request-id"]
      expect(calls).toEqual([
        { endpoint: "next", call: 1, requestId: id, status: undefined, errorType: undefined, fault: "Reset" }
      ])
    }))

  it.scopedLive("Reset on a response drops it after part of the body: Runtime.TruncatedResponse, one answer", () =>
    Effect.gen(function*() {
      const { calls, emulator } = yield* start()
      yield* emulator.injectFault({ endpoint: "response", call: 1, fault: { _tag: "Reset" } })
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const dropped = yield* attempt(emulator.url, responsePath(id), { method: "POST", body: "y".repeat(1_000_000) })
      expect(dropped.status).toBeUndefined()
      expect(json((yield* Fiber.join(invoker)).payload).errorType).toBe("Runtime.TruncatedResponse")
      expect((yield* respond(emulator, id, "again")).status).toBe(403)
      expect(calls.map((c) => [c.endpoint, c.status, c.fault])).toEqual([
        ["next", 200, undefined],
        ["response", undefined, "Reset"],
        ["response", 403, undefined]
      ])
    }))

  it.scopedLive("Malformed next answers: no request id (nothing handed out), bad deadline, invalid JSON", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({
        faults: [
          { endpoint: "next", call: 1, fault: { _tag: "Malformed", malformation: "NoRequestId" } },
          { endpoint: "next", call: 2, fault: { _tag: "Malformed", malformation: "BadDeadline" } },
          { endpoint: "next", call: 3, fault: { _tag: "Malformed", malformation: "InvalidJson" } }
        ]
      })
      const noId = yield* next(emulator)
      expect(noId.status).toBe(200)
      expect(noId.headers["lambda-runtime-aws-request-id"]).toBeUndefined()
      expect(Number(noId.headers["lambda-runtime-deadline-ms"])).toBeGreaterThan(0)
      const first = yield* Effect.fork(emulator.invoke("{\"n\":1}"))
      const badDeadline = yield* next(emulator)
      expect(badDeadline.headers["lambda-runtime-deadline-ms"]).toBe("soon")
      expect(badDeadline.json()).toEqual({ n: 1 })
      yield* respond(emulator, requestId(badDeadline), "1")
      yield* Fiber.join(first)
      const second = yield* Effect.fork(emulator.invoke("{\"n\":2}"))
      const badJson = yield* next(emulator)
      expect(badJson.text).toBe("{\"op\":")
      expect(Number(badJson.headers["lambda-runtime-deadline-ms"])).toBeGreaterThan(Date.now())
      yield* respond(emulator, requestId(badJson), "2")
      expect(text((yield* Fiber.join(second)).payload)).toBe("2")
    }))

  it.scopedLive("every: once false fires on each matching call; Delay still answers normally", () =>
    Effect.gen(function*() {
      const { calls, emulator } = yield* start({
        faults: [{ endpoint: "response", once: false, fault: { _tag: "Delay", duration: "1 millis" } }]
      })
      for (const n of [1, 2, 3]) {
        const invoker = yield* Effect.fork(emulator.invoke("{}"))
        yield* respond(emulator, requestId(yield* next(emulator)), String(n))
        expect(text((yield* Fiber.join(invoker)).payload)).toBe(String(n))
      }
      expect(calls.filter((c) => c.endpoint === "response").map((c) => [c.call, c.status, c.fault])).toEqual([
        [1, 202, "Delay"],
        [2, 202, "Delay"],
        [3, 202, "Delay"]
      ])
    }))
})
