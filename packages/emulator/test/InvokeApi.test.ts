import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { Emulator } from "../src/index.js"
import { collectLogs, next, request, requestId, respond, text } from "./utils.js"

const start = (options: Partial<Emulator.Options> = {}) => Emulator.make({ onLog: collectLogs().onLog, ...options })

const invokePath = (name = "function") => `/2015-03-31/functions/${name}/invocations`

/** A JSON string of exactly `size` bytes. */
const jsonOf = (size: number) => `"${"x".repeat(size - 2)}"`

describe("Invoke API over HTTP", () => {
  it.scopedLive("sync invoke: 200, the response body, x-amzn-RequestId and X-Amz-Executed-Version", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const invoker = yield* Effect.fork(
        request(emulator.url, invokePath("any-name"), { method: "POST", body: JSON.stringify({ n: 1 }) })
      )
      const event = yield* next(emulator)
      expect(event.json()).toEqual({ n: 1 })
      expect(event.headers["content-type"]).toBe("application/json")
      yield* respond(emulator, requestId(event), JSON.stringify({ n: 2 }))
      const res = yield* Fiber.join(invoker)
      expect(res.status).toBe(200)
      expect(res.json()).toEqual({ n: 2 })
      expect(res.headers["x-amzn-requestid"]).toBe(requestId(event))
      expect(res.headers["x-amz-executed-version"]).toBe("$LATEST")
      expect(res.headers["x-amz-function-error"]).toBeUndefined()
    }))

  it.scopedLive("function error: 200 with X-Amz-Function-Error: Unhandled and the error JSON", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const invoker = yield* Effect.fork(request(emulator.url, invokePath(), { method: "POST", body: "{}" }))
      const id = requestId(yield* next(emulator))
      const body = JSON.stringify({ errorType: "TypeError", errorMessage: "x is undefined", stackTrace: [] })
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/error`, {
        method: "POST",
        body,
        headers: { "Lambda-Runtime-Function-Error-Type": "Runtime.UnhandledError" }
      })
      const res = yield* Fiber.join(invoker)
      expect(res.status).toBe(200)
      expect(res.headers["x-amz-function-error"]).toBe("Unhandled")
      expect(res.text).toBe(body)
    }))

  it.scopedLive("Event: 202 at once, the invocation is queued and served", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const res = yield* request(emulator.url, invokePath(), {
        method: "POST",
        body: "\"async\"",
        headers: { "X-Amz-Invocation-Type": "Event" }
      })
      expect(res.status).toBe(202)
      expect(res.body.length).toBe(0)
      const event = yield* next(emulator)
      expect(event.text).toBe("\"async\"")
      expect(requestId(event)).toBe(res.headers["x-amzn-requestid"])
      expect((yield* respond(emulator, requestId(event), "null")).status).toBe(202)
    }))

  it.scopedLive("DryRun: 204, nothing queued", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const res = yield* request(emulator.url, invokePath(), {
        method: "POST",
        body: "{}",
        headers: { "X-Amz-Invocation-Type": "DryRun" }
      })
      expect(res.status).toBe(204)
      // the next event is the one invoked after the dry run
      const invoker = yield* Effect.fork(emulator.invoke("\"real\""))
      const event = yield* next(emulator)
      expect(event.text).toBe("\"real\"")
      yield* respond(emulator, requestId(event), "1")
      yield* Fiber.join(invoker)
    }))

  it.scopedLive("an unknown invocation type is a 400 InvalidParameterValueException", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const res = yield* request(emulator.url, invokePath(), {
        method: "POST",
        body: "{}",
        headers: { "X-Amz-Invocation-Type": "Sometimes" }
      })
      expect(res.status).toBe(400)
      expect(res.headers["x-amzn-errortype"]).toBe("InvalidParameterValueException")
    }))

  it.scopedLive("request payload over 6,291,456 bytes (Lambda's sync limit): 413 RequestEntityTooLargeException, nothing queued", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const res = yield* request(emulator.url, invokePath(), { method: "POST", body: jsonOf(6_291_457) })
      expect(res.status).toBe(413)
      expect(res.headers["x-amzn-errortype"]).toBe("RequestEntityTooLargeException")
      expect(res.json()).toEqual({
        Type: "User",
        message: "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
      })
      const programmatic = yield* emulator.invoke(jsonOf(6_291_457))
      expect(programmatic.statusCode).toBe(413)
      // at the limit it goes through
      const invoker = yield* Effect.fork(emulator.invoke(jsonOf(6_291_456)))
      const event = yield* next(emulator)
      expect(event.body.length).toBe(6_291_456)
      yield* respond(emulator, requestId(event), "1")
      expect((yield* Fiber.join(invoker)).statusCode).toBe(200)
    }))

  it.scopedLive("client context (base64) and tenant id pass through to next", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const clientContext = JSON.stringify({ client: { app_title: "t" }, custom: { a: 1 } })
      const invoker = yield* Effect.fork(request(emulator.url, invokePath(), {
        method: "POST",
        body: "{}",
        headers: {
          "X-Amz-Client-Context": Buffer.from(clientContext).toString("base64"),
          "X-Amz-Tenant-Id": "tenant-42",
          "X-Amzn-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
        }
      }))
      const event = yield* next(emulator)
      expect(event.headers["lambda-runtime-client-context"]).toBe(clientContext)
      expect(event.headers["lambda-runtime-aws-tenant-id"]).toBe("tenant-42")
      expect(event.headers["lambda-runtime-trace-id"]).toBe(
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
      )
      yield* respond(emulator, requestId(event), "1")
      yield* Fiber.join(invoker)

      const bad = yield* request(emulator.url, invokePath(), {
        method: "POST",
        body: "{}",
        headers: { "X-Amz-Client-Context": "%%%not base64" }
      })
      expect(bad.status).toBe(400)
      expect(bad.headers["x-amzn-errortype"]).toBe("InvalidRequestContentException")
    }))

  it.scopedLive("no optional headers when the invoker sent none", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const event = yield* next(emulator)
      expect(event.headers["lambda-runtime-client-context"]).toBeUndefined()
      expect(event.headers["lambda-runtime-aws-tenant-id"]).toBeUndefined()
      expect(event.headers["lambda-runtime-cognito-identity"]).toBeUndefined()
      yield* respond(emulator, requestId(event), "1")
      yield* Fiber.join(invoker)
    }))

  it.scopedLive("invocations queue FIFO while the function is busy", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const invokers = []
      for (let i = 0; i < 5; i++) {
        invokers.push(yield* Effect.fork(emulator.invoke(JSON.stringify(i))))
        // each invoke must be accepted before the next one is sent, for the order to be defined
        yield* Effect.yieldNow()
      }
      const seen: Array<string> = []
      for (let i = 0; i < 5; i++) {
        const event = yield* next(emulator)
        seen.push(event.text)
        yield* respond(emulator, requestId(event), `"answer ${event.text}"`)
      }
      expect(seen).toEqual(["0", "1", "2", "3", "4"])
      for (let i = 0; i < 5; i++) {
        expect(text((yield* Fiber.join(invokers[i]!)).payload)).toBe(`"answer ${i}"`)
      }
    }))

  it.scopedLive("invoke after the emulator stopped fails with EmulatorStopped", () =>
    Effect.gen(function*() {
      const emulator = yield* Effect.scoped(start())
      const error = yield* Effect.flip(emulator.invoke("{}"))
      expect(error._tag).toBe("EmulatorStopped")
    }))
})

describe("log tail", () => {
  it.scopedLive("X-Amz-Log-Type: Tail returns the invocation's log in X-Amz-Log-Result", () =>
    Effect.gen(function*() {
      const emulator = yield* start()
      const invoker = yield* Effect.fork(request(emulator.url, invokePath(), {
        method: "POST",
        body: "{}",
        headers: { "X-Amz-Log-Type": "Tail" }
      }))
      const id = requestId(yield* next(emulator))
      yield* respond(emulator, id, "1")
      // the runtime's next `next` ends the invocation (END/REPORT), as on Lambda; it gets the
      // programmatic invoke below
      const following = yield* Effect.fork(next(emulator))
      const res = yield* Fiber.join(invoker)
      const tail = Buffer.from(res.headers["x-amz-log-result"] as string, "base64").toString("utf8")
      expect(tail).toContain(`START RequestId: ${id} Version: $LATEST\n`)
      expect(tail).toContain(`END RequestId: ${id}\n`)
      expect(tail).toContain(`REPORT RequestId: ${id}\t`)

      const programmatic = yield* Effect.fork(emulator.invoke("{}"))
      yield* respond(emulator, requestId(yield* Fiber.join(following)), "1")
      expect((yield* Fiber.join(programmatic)).logResult).toBeUndefined()
    }))
})
