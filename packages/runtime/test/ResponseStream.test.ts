import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Handler from "../src/Handler.js"
import * as HttpResponseStream from "../src/HttpResponseStream.js"
import * as LambdaRuntime from "../src/LambdaRuntime.js"
import * as ResponseStream from "../src/ResponseStream.js"
import * as RuntimeApi from "../src/RuntimeApi.js"
import * as FakeRuntimeApi from "./utils/FakeRuntimeApi.js"

class Broken extends Schema.TaggedError<Broken>()("Broken", { message: Schema.String }) {}

const quiet = { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } }

const decodeTrailer = (body: string | undefined) => JSON.parse(body ?? "null")

describe("streamed responses (mock Runtime API)", () => {
  it.scoped("sends every chunk, byte-exact, with the content type", () =>
    Effect.gen(function*() {
      const handler = Handler.stream({
        contentType: "application/x-ndjson",
        handle: (event) => Stream.range(1, Number(event)).pipe(Stream.map((n) => `${JSON.stringify({ n })}\n`))
      })
      const { api } = yield* LambdaTest.start(handler, Layer.empty)
      const report = yield* api.report(yield* api.enqueue(3))
      expect(report).toMatchObject({
        _tag: "Response",
        streamed: true,
        contentType: "application/x-ndjson",
        errorType: undefined
      })
      expect(report.body).toBe("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n")
    }))

  it.scoped("a failure after the first byte ends the body with error trailers: one report", () =>
    Effect.gen(function*() {
      const handler = Handler.stream({
        handle: () => Stream.concat(Stream.make("partial "), Stream.fail(new Broken({ message: "mid-stream" })))
      })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const id = yield* api.enqueue({})
      const report = yield* api.report(id)
      expect(report.body).toBe("partial ")
      expect(report.errorType).toBe("Function.Broken")
      expect(decodeTrailer(report.errorBody)).toMatchObject({ errorType: "Broken", errorMessage: "mid-stream" })
      const next = yield* api.enqueue({})
      yield* api.report(next)
      expect((yield* api.reports).filter((r) => r.requestId === id).length).toBe(1)
    }))

  it.scoped("a failure before the first byte is a normal error report", () =>
    Effect.gen(function*() {
      const handler = Handler.stream({ handle: () => Stream.die(new Error("no data")) })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const report = yield* api.report(yield* api.enqueue({}))
      expect(report).toMatchObject({ _tag: "Error", errorType: "Runtime.Defect" })
    }))

  it.scoped("the deadline mid-stream ends the body with a Runtime.Timeout trailer", () =>
    Effect.gen(function*() {
      const handler = Handler.stream({
        handle: () => Stream.concat(Stream.make("tick "), Stream.fromEffect(Effect.as(Effect.sleep("1 hour"), "never")))
      })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, quiet)
      const id = yield* api.enqueue({}, { timeoutMs: 3000 })
      yield* TestClock.adjust("3 seconds")
      const report = yield* api.report(id)
      expect(report.body).toBe("tick ")
      expect(report.errorType).toBe("Runtime.Timeout")
      expect(decodeTrailer(report.errorBody)).toMatchObject({
        errorType: "TimeoutError",
        errorMessage: "Task timed out after 3.00 seconds"
      })
    }))

  it.scoped("HttpResponseStream: JSON prelude, 8 NUL bytes, then the body", () =>
    Effect.gen(function*() {
      const handler = HttpResponseStream.handler({
        handle: () =>
          Effect.succeed({
            statusCode: 201,
            headers: { "content-type": "text/plain" },
            cookies: ["a=1; Secure"],
            body: Stream.make("hello ", "world")
          })
      })
      const { api } = yield* LambdaTest.start(handler, Layer.empty)
      const report = yield* api.report(yield* api.enqueue({}))
      expect(report.contentType).toBe("application/vnd.awslambda.http-integration-response")
      const [prelude, body] = report.body.split("\u0000".repeat(8))
      expect(JSON.parse(prelude!)).toEqual({
        statusCode: 201,
        headers: { "content-type": "text/plain" },
        cookies: ["a=1; Secure"]
      })
      expect(body).toBe("hello world")
    }))
})

// The real runtime loop and live client against a Runtime API on 127.0.0.1.
const runLive = <Ev, A, E>(handler: Handler.Handler<Ev, A, E, never>, fake: FakeRuntimeApi.FakeApi) =>
  LambdaRuntime.run(handler, Layer.empty).pipe(
    Effect.provide(RuntimeApi.layerAddress(fake.address)),
    Effect.withConfigProvider(
      ConfigProvider.fromMap(new Map([["AWS_LAMBDA_RUNTIME_API", fake.address], ["AWS_LAMBDA_LOG_LEVEL", "FATAL"]]))
    ),
    Effect.forkScoped
  )

describe("ResponseStream.run", () => {
  it.effect("a chunk of several pieces: big pieces are written as they are (no copy), small ones joined", () =>
    Effect.gen(function*() {
      const big = (n: number) => new Uint8Array(64 * 1024).fill(n)
      const pieces = [big(1), new Uint8Array([1, 2]), new Uint8Array([3]), big(2), new Uint8Array([4, 5, 6])]
      const written: Array<Uint8Array> = []
      let finished = 0
      yield* ResponseStream.run(Stream.fromIterable(pieces), () => ({
        write: (chunk) => Effect.sync(() => void written.push(chunk)),
        finish: () => Effect.sync(() => void finished++),
        abort: () => {}
      }), { contentType: "application/octet-stream" })
      // Stream.fromIterable emits the five pieces as one Chunk.
      expect(written).toHaveLength(4)
      expect(written[0]).toBe(pieces[0])
      expect([...written[1]]).toEqual([1, 2, 3])
      expect(written[2]).toBe(pieces[3])
      expect([...written[3]]).toEqual([4, 5, 6])
      expect(finished).toBe(1)
    }))

  it.effect("small pieces are joined into writes of at most about 64 KiB, nothing lost or reordered", () =>
    Effect.gen(function*() {
      const rows = Array.from({ length: 10_000 }, (_, i) => new TextEncoder().encode(`{"id":${i}}\n`))
      const written: Array<Uint8Array> = []
      yield* ResponseStream.run(Stream.fromIterable(rows), () => ({
        write: (chunk) => Effect.sync(() => void written.push(chunk)),
        finish: () => Effect.void,
        abort: () => {}
      }), { contentType: "application/x-ndjson" })
      expect(written.length).toBeLessThan(10)
      expect(Buffer.concat(written).toString()).toBe(Buffer.concat(rows).toString())
    }))
})

describe("streamed responses (live, over HTTP)", () => {
  it.live(
    "posts chunked with the streaming headers, and error trailers after a failure",
    () =>
      Effect.scoped(Effect.gen(function*() {
        let served = 0
        const fake = yield* FakeRuntimeApi.make((request, res) => {
          if (request.url.endsWith("/next")) {
            if (served < 2) {
              res.writeHead(200, FakeRuntimeApi.invocationHeaders(`s-${served}`))
              res.end(JSON.stringify({ fail: served++ === 1 }))
            }
            return
          }
          FakeRuntimeApi.json(res, 202, { status: "OK" })
        })
        const handler = Handler.stream({
          contentType: "text/plain",
          handle: (event) => {
            const fail = (event as { fail: boolean }).fail
            const body = Stream.make("a".repeat(10_000), "b".repeat(10_000))
            return fail ? Stream.concat(body, Stream.fail(new Broken({ message: "after 20000 bytes" }))) : body
          }
        })
        yield* runLive(handler, fake)
        while (fake.requests.filter((r) => r.method === "POST").length < 2) yield* Effect.sleep("10 millis")
        const [ok, failed] = fake.requests.filter((r) => r.method === "POST")
        expect(ok!.headers).toMatchObject({
          "lambda-runtime-function-response-mode": "streaming",
          "transfer-encoding": "chunked",
          "content-type": "text/plain",
          trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
        })
        expect(ok!.headers["content-length"]).toBeUndefined()
        expect(ok!.body.toString()).toBe("a".repeat(10_000) + "b".repeat(10_000))
        expect(ok!.trailers).toEqual({})
        expect(failed!.body.length).toBe(20_000)
        expect(failed!.trailers["lambda-runtime-function-error-type"]).toBe("Function.Broken")
        expect(JSON.parse(Buffer.from(failed!.trailers["lambda-runtime-function-error-body"]!, "base64").toString()))
          .toMatchObject({
            errorType: "Broken",
            errorMessage: "after 20000 bytes"
          })
      })),
    20_000
  )

  it.live(
    "100 MB produced faster than the socket drains: memory stays flat (backpressure)",
    () =>
      Effect.scoped(Effect.gen(function*() {
        let received = 0
        let done = false
        let served = false
        const fake = yield* FakeRuntimeApi.make((request, res) => {
          if (request.url.endsWith("/next") && !served) {
            served = true
            res.writeHead(200, FakeRuntimeApi.invocationHeaders("big"))
            res.end("{}")
          }
        })
        const chunk = new Uint8Array(1024 * 1024).fill(120)
        const handler = Handler.stream({ handle: () => Stream.repeatValue(chunk).pipe(Stream.take(100)) })
        const baseline = process.memoryUsage().rss
        let peak = baseline
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss)
        }, 5)
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))
        // Read the streamed body slowly, chunk by chunk, instead of buffering it.
        fake.raw((req, res) => {
          req.on("data", (data: Buffer) => {
            received += data.length
            req.pause()
            setImmediate(() => req.resume())
          })
          req.on("end", () => {
            done = true
            FakeRuntimeApi.json(res, 202, { status: "OK" })
          })
        }, () => true)
        yield* runLive(handler, fake)
        while (!done) yield* Effect.sleep("20 millis")
        expect(received).toBe(100 * 1024 * 1024)
        // Without backpressure the whole 100 MB would sit in the client's socket buffer.
        expect(peak - baseline).toBeLessThan(48 * 1024 * 1024)
      })),
    60_000
  )

  it.live(
    "the client going away mid-stream stops the stream; the invocation is not reported twice; the loop goes on",
    () =>
      Effect.scoped(Effect.gen(function*() {
        let produced = 0
        const nextIds: Array<string> = []
        const posts: Array<string> = []
        const fake = yield* FakeRuntimeApi.make((request, res) => {
          if (request.url.endsWith("/next")) {
            const id = `c-${nextIds.length}`
            nextIds.push(id)
            if (nextIds.length <= 2) {
              res.writeHead(200, FakeRuntimeApi.invocationHeaders(id))
              res.end(JSON.stringify({ infinite: nextIds.length === 1 }))
            }
            return
          }
          posts.push(request.url)
          FakeRuntimeApi.json(res, 202, { status: "OK" })
        })
        fake.raw((req) => {
          let got = 0
          req.on("data", (data: Buffer) => {
            got += data.length
            if (got > 1_000_000) req.socket.destroy()
          })
        }, (url) => url.includes("/c-0/"))
        const handler = Handler.stream({
          handle: (event) =>
            (event as { infinite: boolean }).infinite
              ? Stream.repeatEffect(Effect.sync(() => (produced++, new Uint8Array(64 * 1024))))
              : Stream.make("second")
        })
        const fiber = yield* runLive(handler, fake)
        while (posts.length < 1) yield* Effect.sleep("10 millis")
        expect(posts).toEqual(["/2018-06-01/runtime/invocation/c-1/response"])
        const producedAfter = produced
        yield* Effect.sleep("100 millis")
        // the infinite stream stopped when the connection went away
        expect(produced).toBe(producedAfter)
        expect(nextIds.length).toBe(3)
        expect(fiber.unsafePoll()).toBeNull()
        yield* Fiber.interrupt(fiber)
      })),
    20_000
  )
})
