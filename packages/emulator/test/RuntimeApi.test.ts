import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as Net from "node:net"
import { Emulator } from "../src/index.js"
import { collectLogs, json, next, request, requestId, respond, text } from "./utils.js"

const start = (options: Partial<Emulator.Options> = {}) => {
  const logs = collectLogs()
  return Emulator.make({ onLog: logs.onLog, ...options }).pipe(Effect.map((emulator) => ({ emulator, logs })))
}

describe("Runtime API with an external runtime", () => {
  it.scopedLive("hands an invocation to next and returns the response to the invoker", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const before = Date.now()
      const invoker = yield* Effect.fork(emulator.invoke(JSON.stringify({ hello: "world" }), { awaitEnd: true }))
      const event = yield* next(emulator)
      const after = Date.now()
      expect(event.status).toBe(200)
      expect(event.json()).toEqual({ hello: "world" })
      const id = requestId(event)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect(event.headers["lambda-runtime-trace-id"]).toMatch(
        /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=1$/
      )
      expect(event.headers["lambda-runtime-invoked-function-arn"]).toBe(
        "arn:aws:lambda:us-east-1:012345678912:function:function"
      )
      // The default 3 s timeout from when the invocation was taken (between the invoke and the
      // next's answer): bracketed by clock readings, so the check holds however slow the box is.
      const deadline = Number(event.headers["lambda-runtime-deadline-ms"])
      expect(deadline).toBeGreaterThanOrEqual(before + 3000)
      expect(deadline).toBeLessThanOrEqual(after + 3000)
      const answer = yield* respond(emulator, id, JSON.stringify({ ok: true }))
      expect(answer.status).toBe(202)
      expect(answer.json()).toEqual({ status: "OK" })
      // Lambda ends an invocation (END) when its runtime asks for the next event.
      yield* Effect.fork(next(emulator))
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBeUndefined()
      expect(result.requestId).toBe(id)
      expect(json(result.payload)).toEqual({ ok: true })
      expect(logs.lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`)
      expect(logs.lines[1]).toBe(`END RequestId: ${id}`)
      expect(logs.lines[2]).toMatch(
        new RegExp(
          `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB$`
        )
      )
    }))
})

describe("Runtime API answers", () => {
  it.scopedLive("400 InvalidRequestID for an unknown id, 403 InvalidStateTransition for a second answer", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const unknown = yield* respond(emulator, "not-an-id", "{}")
      expect(unknown.status).toBe(400)
      expect(unknown.json()).toEqual({ errorMessage: "Invalid request ID", errorType: "InvalidRequestID" })

      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const wrong = yield* respond(emulator, "00000000-0000-4000-8000-000000000000", "{}")
      expect(wrong.status).toBe(400)
      expect((yield* respond(emulator, id, "1")).status).toBe(202)
      const second = yield* respond(emulator, id, "2")
      expect(second.status).toBe(403)
      expect(second.json().errorType).toBe("InvalidStateTransition")
      const secondError = yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/error`, {
        method: "POST",
        body: "{}"
      })
      expect(secondError.status).toBe(403)
      expect(text((yield* Fiber.join(invoker)).payload)).toBe("1")

      // once the runtime asked for the next event, the old id is stale
      const nextFiber = yield* Effect.fork(next(emulator))
      const invoker2 = yield* Effect.fork(emulator.invoke("{}"))
      const id2 = requestId(yield* Fiber.join(nextFiber))
      expect((yield* respond(emulator, id, "late")).status).toBe(400)
      expect((yield* respond(emulator, id2, "ok")).status).toBe(202)
      expect(text((yield* Fiber.join(invoker2)).payload)).toBe("ok")
    }))

  it.scopedLive("error endpoint: body passes through, error type header normalised", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const cases: Array<[string | undefined, string]> = [
        ["Function.MyError", "Function.MyError"],
        ["Runtime.Bad-Name", "Runtime.Unknown"],
        ["Function.lowercase", "Function.Unknown"],
        ["my-error", "Runtime.Unknown"],
        [undefined, "Runtime.Unknown"]
      ]
      for (const [header, _expected] of cases) {
        const invoker = yield* Effect.fork(emulator.invoke("{}"))
        const id = requestId(yield* next(emulator))
        const body = JSON.stringify({ errorType: "MyError", errorMessage: "boom", stackTrace: ["at x"] })
        const answer = yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/error`, {
          method: "POST",
          body,
          headers: header === undefined ? {} : { "Lambda-Runtime-Function-Error-Type": header }
        })
        expect(answer.status).toBe(202)
        expect(answer.json()).toEqual({ status: "OK" })
        const result = yield* Fiber.join(invoker)
        expect(result.statusCode).toBe(200)
        expect(result.functionError).toBe("Unhandled")
        expect(text(result.payload)).toBe(body)
      }
    }))

  it.scopedLive("error endpoint without a body: the invoker gets one made from the error type", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/error`, {
        method: "POST",
        headers: { "Lambda-Runtime-Function-Error-Type": "Function.Oops" }
      })
      const result = yield* Fiber.join(invoker)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual({
        errorType: "Function.Oops",
        errorMessage: `RequestId: ${id} Error: Function.Oops`
      })
    }))

  it.scopedLive("400 InvalidFunctionResponseMode for a mode other than streaming", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const answer = yield* respond(emulator, id, "{}", { "Lambda-Runtime-Function-Response-Mode": "buffered" })
      expect(answer.status).toBe(400)
      expect(answer.json()).toEqual({
        errorMessage: "Invalid function response mode",
        errorType: "InvalidFunctionResponseMode"
      })
      const result = yield* Fiber.join(invoker)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload).errorType).toBe("Runtime.InvalidResponseModeHeader")
    }))

  it.scopedLive("streamed (chunked) response is buffered for Invoke", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const answer = yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/response`, {
        method: "POST",
        headers: { "Lambda-Runtime-Function-Response-Mode": "streaming", "Content-Type": "text/plain" },
        chunks: ["hello ", "streaming ", "world"]
      })
      expect(answer.status).toBe(202)
      const result = yield* Fiber.join(invoker)
      expect(result.functionError).toBeUndefined()
      expect(text(result.payload)).toBe("hello streaming world")
    }))

  it.scopedLive("streamed response with error trailers becomes a function error", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const error = { errorType: "Error", errorMessage: "midway", trace: ["at f"] }
      const answer = yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/response`, {
        method: "POST",
        headers: { "Lambda-Runtime-Function-Response-Mode": "streaming" },
        chunks: ["partial "],
        trailers: {
          "Lambda-Runtime-Function-Error-Type": "Runtime.UnhandledError",
          "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(error)).toString("base64")
        }
      })
      expect(answer.status).toBe(202)
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual(error)
    }))

  it.scopedLive("413 RequestEntityTooLarge above 6,291,556 bytes; the invoker gets Function.ResponseSizeTooLarge", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      // exactly at the limit is accepted
      const atLimit = yield* Effect.fork(emulator.invoke("{}"))
      const id1 = requestId(yield* next(emulator))
      expect((yield* respond(emulator, id1, Buffer.alloc(6_291_556, 97))).status).toBe(202)
      expect((yield* Fiber.join(atLimit)).payload.length).toBe(6_291_556)

      const nextFiber = yield* Effect.fork(next(emulator))
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* Fiber.join(nextFiber))
      const answer = yield* respond(emulator, id, Buffer.alloc(6_291_557, 97))
      expect(answer.status).toBe(413)
      expect(answer.json()).toEqual({
        errorMessage: "Exceeded maximum allowed payload size (6291556 bytes).",
        errorType: "RequestEntityTooLarge"
      })
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual({
        errorMessage: "Response payload size (6291557 bytes) exceeded maximum allowed payload size (6291556 bytes).",
        errorType: "Function.ResponseSizeTooLarge"
      })
    }))

  it.scopedLive("404 for unknown paths, 405 for a wrong method", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      expect((yield* request(emulator.url, "/2018-06-01/runtime/nothing")).status).toBe(404)
      expect((yield* request(emulator.url, "/nothing")).status).toBe(404)
      expect((yield* request(emulator.url, "/2018-06-01/runtime/invocation/next", { method: "POST" })).status).toBe(405)
      expect((yield* request(emulator.url, "/2018-06-01/runtime/invocation/x/response")).status).toBe(405)
      expect((yield* request(emulator.url, "/2018-06-01/runtime/invocation/x/error")).status).toBe(405)
      expect((yield* request(emulator.url, "/2018-06-01/runtime/init/error")).status).toBe(405)
      expect((yield* request(emulator.url, "/2015-03-31/functions/function/invocations")).status).toBe(405)
    }))

  it.scopedLive("failNextRuntimeCall answers 500 InternalServerError once", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      yield* emulator.failNextRuntimeCall
      const failed = yield* next(emulator)
      expect(failed.status).toBe(500)
      expect(failed.json()).toEqual({ errorMessage: "Internal Server Error", errorType: "InternalServerError" })
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      expect((yield* respond(emulator, id, "fine")).status).toBe(202)
      expect(text((yield* Fiber.join(invoker)).payload)).toBe("fine")
    }))

  it.scopedLive("injected faults match an endpoint and a call number", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      yield* emulator.injectFault({ endpoint: "response", call: 2, fault: { _tag: "Status", status: 413 } })
      for (const expected of [202, 413, 202]) {
        const invoker = yield* Effect.fork(emulator.invoke("{}"))
        const id = requestId(yield* next(emulator))
        expect((yield* respond(emulator, id, "x")).status).toBe(expected)
        const result = yield* Fiber.join(invoker)
        if (expected === 413) {
          // a refused report ends the invocation, as a real 413 does; a second answer is refused
          expect(json(result.payload).errorType).toBe("Function.ResponseSizeTooLarge")
          expect((yield* respond(emulator, id, "y")).status).toBe(403)
        }
      }
    }))
})

describe("init errors and timeouts with an external runtime", () => {
  it.scopedLive("init error reaches the waiting invoker; a second one is refused", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const body = JSON.stringify({ errorType: "ConfigError", errorMessage: "no config" })
      const answer = yield* request(emulator.url, "/2018-06-01/runtime/init/error", {
        method: "POST",
        body,
        headers: { "Lambda-Runtime-Function-Error-Type": "Runtime.ConfigInvalid" }
      })
      expect(answer.status).toBe(202)
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(text(result.payload)).toBe(body)
    }))

  it.scopedLive("init error after the first next is an invalid state transition", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const answer = yield* request(emulator.url, "/2018-06-01/runtime/init/error", { method: "POST", body: "{}" })
      expect(answer.status).toBe(403)
      expect(answer.json().errorType).toBe("InvalidStateTransition")
      yield* respond(emulator, id, "{}")
      yield* Fiber.join(invoker)
    }))

  it.scopedLive("timeout: Sandbox.Timedout to the invoker, the late answer is refused", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ timeout: "1 seconds" })
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const event = yield* next(emulator)
      const id = requestId(event)
      const result = yield* Fiber.join(invoker)
      expect(result.statusCode).toBe(200)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload)).toEqual({
        errorMessage: `RequestId: ${id} Error: Task timed out after 1.00 seconds`,
        errorType: "Sandbox.Timedout"
      })
      expect((yield* respond(emulator, id, "late")).status).toBe(400)
      expect(logs.lines.some((l) => l.endsWith(`${id} Task timed out after 1.00 seconds`))).toBe(true)
      expect(logs.lines.find((l) => l.startsWith("REPORT"))).toMatch(/\tStatus: timeout$/)
    }))

  it.scopedLive("AWS_LAMBDA_FUNCTION_TIMEOUT of env sets the timeout", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ env: { AWS_LAMBDA_FUNCTION_TIMEOUT: "1" } })
      const before = Date.now()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const event = yield* next(emulator)
      const after = Date.now()
      const deadline = Number(event.headers["lambda-runtime-deadline-ms"])
      expect(deadline).toBeGreaterThanOrEqual(before + 1000)
      expect(deadline).toBeLessThanOrEqual(after + 1000)
      const result = yield* Fiber.join(invoker)
      expect(json(result.payload).errorMessage).toMatch(/Task timed out after 1\.00 seconds$/)
    }))
})

describe("an external runtime failing init before any invoke", () => {
  it.scopedLive("the next invoker gets the init error, the one after is served normally", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const body = JSON.stringify({ errorType: "Boom", errorMessage: "early" })
      const answer = yield* request(emulator.url, "/2018-06-01/runtime/init/error", {
        method: "POST",
        body,
        headers: { "Lambda-Runtime-Function-Error-Type": "Runtime.InitError" }
      })
      expect(answer.status).toBe(202)
      const first = yield* emulator.invoke("{}")
      expect(first.functionError).toBe("Unhandled")
      expect(text(first.payload)).toBe(body)
      // the runtime restarted
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      yield* respond(emulator, id, JSON.stringify("fine"))
      expect(json((yield* Fiber.join(invoker)).payload)).toBe("fine")
    }))
})

describe("cut connections", () => {
  it.scopedLive("a response body cut short: the invoker gets Runtime.TruncatedResponse", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const id = requestId(yield* next(emulator))
      const [host, port] = emulator.runtimeApi.split(":") as [string, string]
      yield* Effect.async<void>((resume) => {
        const socket = Net.connect(Number(port), host, () => {
          socket.write(
            `POST /2018-06-01/runtime/invocation/${id}/response HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789`,
            () => setTimeout(() => socket.destroy(), 50)
          )
        })
        socket.on("close", () => resume(Effect.void))
        socket.on("error", () => {})
      })
      const result = yield* Fiber.join(invoker)
      expect(result.functionError).toBe("Unhandled")
      expect(json(result.payload).errorType).toBe("Runtime.TruncatedResponse")
    }))

  it.scopedLive("a Close fault drops the connection without an answer; a Delay fault answers late", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      yield* emulator.injectFault({ endpoint: "next", fault: { _tag: "Close" } })
      const closed = yield* Effect.either(next(emulator))
      expect(closed._tag).toBe("Left")
      yield* emulator.injectFault({ endpoint: "next", fault: { _tag: "Delay", duration: "20 millis" } })
      const invoker = yield* Effect.fork(emulator.invoke("{}"))
      const event = yield* next(emulator)
      yield* respond(emulator, requestId(event), "1")
      expect(text((yield* Fiber.join(invoker)).payload)).toBe("1")
    }))
})
