/**
 * Streamed responses: the test plays the runtime (a chunked POST it writes piece by piece) and
 * the invoker (the AWS SDK's InvokeWithResponseStream, raw HTTP, the Function URL front).
 */
import { InvokeWithResponseStreamCommand, LambdaClient } from "@aws-sdk/client-lambda"
import { FunctionUrl } from "@effect-lambda/events"
import { describe, expect, it } from "@effect/vitest"
import { EventStreamCodec } from "@smithy/eventstream-codec"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"
import { Deferred, Effect, Fiber, Schema } from "effect"
import * as Crypto from "node:crypto"
import * as Http from "node:http"
import { Emulator } from "../src/index.js"
import { collectLogs, json, next, request, requestId, text } from "./utils.js"

const start = (options: Partial<Emulator.Options> = {}) =>
  Effect.gen(function*() {
    const logs = collectLogs()
    const emulator = yield* Emulator.make({
      onLog: logs.onLog,
      timeout: "20 seconds",
      streaming: { bandwidth: false },
      ...options
    })
    return { emulator, logs }
  })

/** The runtime's side of a streamed response: a chunked POST written piece by piece. */
interface StreamPost {
  readonly write: (chunk: string | Uint8Array) => Effect.Effect<void>
  readonly end: (trailers?: Record<string, string>) => Effect.Effect<{ status: number; body: string }, Error>
  /** Settles when the POST is answered early or cut. */
  readonly outcome: Effect.Effect<{ status: number; body: string } | { error: string }>
}

const streamPost = (emulator: Emulator.Emulator, id: string, contentType = "application/octet-stream") =>
  Effect.gen(function*() {
    const outcome = yield* Deferred.make<{ status: number; body: string } | { error: string }>()
    const req = Http.request(`${emulator.url}/2018-06-01/runtime/invocation/${encodeURIComponent(id)}/response`, {
      method: "POST",
      agent: false,
      headers: {
        "Content-Type": contentType,
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
      }
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on(
        "end",
        () =>
          Deferred.unsafeDone(
            outcome,
            Effect.succeed({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() })
          )
      )
      res.on("error", (e) => Deferred.unsafeDone(outcome, Effect.succeed({ error: e.message })))
    })
    req.on("error", (e) => Deferred.unsafeDone(outcome, Effect.succeed({ error: e.message })))
    req.flushHeaders()
    yield* Effect.addFinalizer(() => Effect.sync(() => req.destroy()))
    const post: StreamPost = {
      write: (chunk) => Effect.async<void>((resume) => void req.write(chunk, () => resume(Effect.void))),
      end: (trailers) =>
        Effect.gen(function*() {
          if (trailers !== undefined) req.addTrailers(trailers)
          req.end()
          const answer = yield* Deferred.await(outcome)
          return "error" in answer ? yield* Effect.fail(new Error(answer.error)) : answer
        }),
      outcome: Deferred.await(outcome)
    }
    return post
  })

const trailersOf = (errorType: string, error: object) => ({
  "Lambda-Runtime-Function-Error-Type": errorType,
  "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(error)).toString("base64")
})

const client = (emulator: Emulator.Emulator) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      new LambdaClient({
        endpoint: emulator.url,
        region: "us-east-1",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        maxAttempts: 1
      })
    ),
    (lambda) => Effect.sync(() => lambda.destroy())
  )

interface SdkEvent {
  readonly PayloadChunk?: { readonly Payload?: Uint8Array }
  readonly InvokeComplete?: { readonly ErrorCode?: string; readonly ErrorDetails?: string; readonly LogResult?: string }
}

/** Runs InvokeWithResponseStream and hands each event to `onEvent` as the SDK yields it. */
const invokeStream = (
  lambda: LambdaClient,
  payload: unknown,
  onEvent: (event: SdkEvent) => Effect.Effect<void> = () => Effect.void,
  extra: { readonly LogType?: "Tail" } = {}
) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    return yield* Effect.tryPromise(async () => {
      const response = await lambda.send(
        new InvokeWithResponseStreamCommand({ FunctionName: "function", Payload: JSON.stringify(payload), ...extra })
      )
      const events: Array<SdkEvent> = []
      for await (const event of response.EventStream ?? []) {
        events.push(event as SdkEvent)
        await Effect.runPromise(Effect.provide(onEvent(event as SdkEvent), runtime.context))
      }
      return { response, events }
    })
  })

const payloadOf = (events: ReadonlyArray<SdkEvent>) =>
  Buffer.concat(
    events.flatMap((e) => (e.PayloadChunk?.Payload === undefined ? [] : [Buffer.from(e.PayloadChunk.Payload)]))
  )

describe("InvokeWithResponseStream", () => {
  it.scopedLive("AWS SDK reads each chunk as the runtime sends it, then InvokeComplete", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const lambda = yield* client(emulator)
      // The runtime sends its second chunk only once the SDK has yielded the first: the emulator
      // cannot be buffering the body.
      const firstSeen = yield* Deferred.make<void>()
      const invoker = yield* Effect.fork(invokeStream(lambda, { hello: "stream" }, (event) =>
        event.PayloadChunk !== undefined ? Deferred.succeed(firstSeen, undefined) : Effect.void, { LogType: "Tail" }))
      const nextAnswer = yield* next(emulator)
      expect(json(nextAnswer.body)).toEqual({ hello: "stream" })
      const post = yield* streamPost(emulator, requestId(nextAnswer), "text/plain")
      yield* post.write("first ")
      yield* Deferred.await(firstSeen)
      yield* post.write("second ")
      yield* post.write("third")
      expect((yield* post.end()).status).toBe(202)
      // the runtime asks for its next event: Lambda prints END/REPORT then (the Tail log has them);
      // without it the emulator waits for the function's deadline
      yield* Effect.forkScoped(next(emulator))
      const { events, response } = yield* Fiber.join(invoker)
      expect(response.StatusCode).toBe(200)
      expect(response.ExecutedVersion).toBe("$LATEST")
      expect(response.ResponseStreamContentType).toBe("application/vnd.amazon.eventstream")
      expect(payloadOf(events).toString()).toBe("first second third")
      const last = events[events.length - 1]!
      expect(last.InvokeComplete).toBeDefined()
      expect(last.InvokeComplete?.ErrorCode).toBeUndefined()
      expect(Buffer.from(last.InvokeComplete?.LogResult ?? "", "base64").toString()).toMatch(
        /START RequestId: [\s\S]*REPORT RequestId: /
      )
      expect(events.filter((e) =>
        e.InvokeComplete !== undefined
      )).toHaveLength(1)
      expect(logs.lines.filter((l) => l.startsWith("REPORT"))).toHaveLength(1)
    }))

  it.scopedLive("an error after N bytes: the bytes, then InvokeComplete with the trailers' error, Status: error on REPORT", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      const sent = Crypto.randomBytes(10_000)
      yield* post.write(sent)
      const error = { errorType: "Boom", errorMessage: "midway", stackTrace: ["at f"] }
      expect((yield* post.end(trailersOf("Function.Boom", error))).status).toBe(202)
      const { events } = yield* Fiber.join(invoker)
      expect(payloadOf(events).equals(sent)).toBe(true)
      const complete = events[events.length - 1]!.InvokeComplete!
      expect(complete.ErrorCode).toBe("Function.Boom")
      expect(JSON.parse(complete.ErrorDetails!)).toEqual(error)
      // the runtime asks for its next event: END, and the REPORT line says how it ended
      yield* Effect.fork(next(emulator))
      expect(yield* logs.line((l) => l.startsWith("REPORT"))).toMatch(/\tStatus: error\tError Type: Function\.Boom$/)
    }))

  it.scopedLive("byte-exact with arbitrary chunk splits", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const lambda = yield* client(emulator)
      const data = Crypto.randomBytes(1_500_000)
      for (const round of [0, 1, 2]) {
        const invoker = yield* Effect.fork(invokeStream(lambda, { round }))
        const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
        let at = 0
        while (at < data.length) {
          // sizes from 1 byte to 100 KB, empty writes included
          const size = Crypto.randomInt(0, round === 0 ? 16 : 100_000)
          yield* post.write(data.subarray(at, at + size))
          at += size
          if (round === 0 && at > 2_000) {
            yield* post.write(data.subarray(at))
            at = data.length
          }
        }
        expect((yield* post.end()).status).toBe(202)
        const { events } = yield* Fiber.join(invoker)
        expect(payloadOf(events).equals(data)).toBe(true)
      }
    }))

  it.scopedLive("a buffered answer comes as one PayloadChunk; an /error as InvokeComplete", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const id = requestId(yield* next(emulator))
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/response`, {
        method: "POST",
        body: "{\"ok\":true}"
      })
      const { events } = yield* Fiber.join(invoker)
      expect(payloadOf(events).toString()).toBe("{\"ok\":true}")
      expect(events[events.length - 1]!.InvokeComplete?.ErrorCode).toBeUndefined()

      const failing = yield* Effect.fork(invokeStream(lambda, {}))
      const id2 = requestId(yield* next(emulator))
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id2}/error`, {
        method: "POST",
        headers: { "Lambda-Runtime-Function-Error-Type": "Function.Nope" },
        body: JSON.stringify({ errorType: "Nope", errorMessage: "no" })
      })
      const failed = yield* Fiber.join(failing)
      expect(payloadOf(failed.events).length).toBe(0)
      expect(failed.events[0]!.InvokeComplete?.ErrorCode).toBe("Function.Nope")
    }))

  it.scopedLive("past the size limit the stream ends with Function.ResponseSizeTooLarge; the runtime gets 413", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ streaming: { bandwidth: false, maxResponseBytes: 100_000 } })
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      yield* post.write(Buffer.alloc(60_000, 97))
      yield* post.write(Buffer.alloc(60_000, 98))
      const { events } = yield* Fiber.join(invoker)
      expect(payloadOf(events).equals(Buffer.concat([Buffer.alloc(60_000, 97), Buffer.alloc(40_000, 98)]))).toBe(true)
      const complete = events[events.length - 1]!.InvokeComplete!
      expect(complete.ErrorCode).toBe("Function.ResponseSizeTooLarge")
      expect(JSON.parse(complete.ErrorDetails!).errorMessage).toMatch(
        /^Response payload size \(\d+ bytes\) exceeded maximum allowed payload size \(100000 bytes\)\.$/
      )
      const answer = yield* post.outcome
      expect(answer).toEqual({
        status: 413,
        body: JSON.stringify({
          errorMessage: "Exceeded maximum allowed payload size (6291556 bytes).",
          errorType: "RequestEntityTooLarge"
        })
      })
    }))

  it.scopedLive("a stream past the 6 MiB buffered limit goes through whole (under the 20 MiB one)", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      const piece = Crypto.randomBytes(1024 * 1024)
      for (let i = 0; i < 15; i++) yield* post.write(piece)
      expect((yield* post.end()).status).toBe(202)
      const { events } = yield* Fiber.join(invoker)
      const payload = payloadOf(events)
      expect(payload.length).toBe(15 * 1024 * 1024)
      expect(payload.subarray(14 * 1024 * 1024).equals(piece)).toBe(true)
      expect(events[events.length - 1]!.InvokeComplete?.ErrorCode).toBeUndefined()
    }))

  it.scopedLive("with the bandwidth shape on, every byte still arrives", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ streaming: { bandwidth: { burstBytes: 1_000, bytesPerSecond: 10_000_000 } } })
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      const data = Crypto.randomBytes(200_000)
      for (let i = 0; i < data.length; i += 20_000) yield* post.write(data.subarray(i, i + 20_000))
      expect((yield* post.end()).status).toBe(202)
      expect(payloadOf((yield* Fiber.join(invoker)).events).equals(data)).toBe(true)
    }))

  it.scopedLive("the invoker hangs up mid-stream: the runtime's POST is cut, one REPORT, the next invocation works", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start()
      const gotBytes = yield* Deferred.make<void>()
      const invokerReq = Http.request(`${emulator.url}/2021-11-15/functions/function/response-streaming-invocations`, {
        method: "POST",
        agent: false
      }, (res) => {
        res.once("data", () => {
          Deferred.unsafeDone(gotBytes, Effect.void)
          invokerReq.destroy()
        })
      })
      invokerReq.on("error", () => {})
      invokerReq.end("{}")
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      yield* post.write(Buffer.alloc(1000, 97))
      yield* Deferred.await(gotBytes)
      // keep writing until the emulator cuts the POST
      const cut = yield* Effect.fork(post.outcome)
      while (cut.unsafePoll() === null) {
        yield* post.write(Buffer.alloc(64 * 1024, 98))
        yield* Effect.sleep("5 millis")
      }
      const outcome = yield* Fiber.join(cut)
      expect("error" in outcome || outcome.status !== 202).toBe(true)

      const again = yield* Effect.fork(emulator.invoke("{\"again\":1}", { awaitEnd: true }))
      const id = requestId(yield* next(emulator))
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${id}/response`, {
        method: "POST",
        body: "\"fine\""
      })
      // its END comes with the runtime's next `next`
      yield* Effect.fork(next(emulator))
      expect(text((yield* Fiber.join(again)).payload)).toBe("\"fine\"")
      expect(logs.lines.filter((l) => l.startsWith("REPORT"))).toHaveLength(2)
    }))

  it.scopedLive("the function timing out mid-stream: the bytes so far, InvokeComplete with Sandbox.Timedout, Status: timeout", () =>
    Effect.gen(function*() {
      const { emulator, logs } = yield* start({ timeout: "1 seconds" })
      const lambda = yield* client(emulator)
      const invoker = yield* Effect.fork(invokeStream(lambda, {}))
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      yield* post.write("before the deadline")
      // the runtime sends nothing more: the emulator's timeout ends the invocation
      const { events } = yield* Fiber.join(invoker)
      expect(payloadOf(events).toString()).toBe("before the deadline")
      const complete = events[events.length - 1]!.InvokeComplete!
      expect(complete.ErrorCode).toBe("Sandbox.Timedout")
      expect(JSON.parse(complete.ErrorDetails!).errorMessage).toMatch(/Task timed out after 1\.00 seconds/)
      expect(yield* logs.line((l) => l.startsWith("REPORT"))).toMatch(/\tStatus: timeout$/)
    }))

  it.scopedLive("the encoding is AWS's event stream, decodable by the codec", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const invoker = yield* Effect.fork(
        request(emulator.url, "/2021-11-15/functions/function/response-streaming-invocations", {
          method: "POST",
          body: "{}"
        })
      )
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)))
      yield* post.write("abc")
      yield* post.end()
      const answer = yield* Fiber.join(invoker)
      expect(answer.status).toBe(200)
      expect(answer.headers["content-type"]).toBe("application/vnd.amazon.eventstream")
      expect(answer.headers["x-amz-executed-version"]).toBe("$LATEST")
      expect(answer.headers["x-amzn-requestid"]).toMatch(/^[0-9a-f-]{36}$/)
      const codec = new EventStreamCodec(toUtf8, fromUtf8)
      const messages = []
      // each message starts with its total length (big-endian uint32)
      for (let at = 0; at < answer.body.length;) {
        const length = answer.body.readUInt32BE(at)
        messages.push(codec.decode(answer.body.subarray(at, at + length)))
        at += length
      }
      expect(
        messages.map((
          m
        ) => [m.headers[":event-type"]?.value, m.headers[":message-type"]?.value, m.headers[":content-type"]?.value])
      )
        .toEqual([["PayloadChunk", "event", "application/octet-stream"], [
          "InvokeComplete",
          "event",
          "application/json"
        ]])
      expect(Buffer.from(messages[0]!.body).toString()).toBe("abc")
      expect(Buffer.from(messages[1]!.body).toString()).toBe("{}")
    }))

  it.scopedLive("Event is not an invocation type of InvokeWithResponseStream", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start()
      const answer = yield* request(emulator.url, "/2021-11-15/functions/function/response-streaming-invocations", {
        method: "POST",
        headers: { "X-Amz-Invocation-Type": "Event" },
        body: "{}"
      })
      expect(answer.status).toBe(400)
      expect(answer.headers["x-amzn-errortype"]).toBe("InvalidParameterValueException")
    }))
})

describe("Function URL front", () => {
  it.scopedLive("a request becomes a Function URL event; a result object becomes the response", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ functionUrl: true, functionName: "my-fn" })
      expect(emulator.functionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      const caller = yield* Effect.fork(request(emulator.functionUrl!, "/items/42?a=1&a=2&b=x%20y", {
        method: "POST",
        headers: { "content-type": "application/json", cookie: "s=1; t=2", "x-custom": "v" },
        body: "{\"name\":\"pen\"}"
      }))
      const nextAnswer = yield* next(emulator)
      const event = Schema.decodeUnknownSync(FunctionUrl.FunctionUrlEvent)(json(nextAnswer.body))
      expect(event.rawPath).toBe("/items/42")
      expect(event.rawQueryString).toBe("a=1&a=2&b=x%20y")
      expect(event.queryStringParameters).toEqual({ a: "1,2", b: "x y" })
      expect(event.cookies).toEqual(["s=1", "t=2"])
      expect(event.headers["x-custom"]).toBe("v")
      expect(event.headers.cookie).toBeUndefined()
      expect(event.body).toBe("{\"name\":\"pen\"}")
      expect(event.isBase64Encoded).toBe(false)
      expect(event.requestContext.http.method).toBe("POST")
      expect(event.requestContext.requestId).toBe(requestId(nextAnswer))
      expect(event.requestContext.domainName).toMatch(/^[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws$/)
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${requestId(nextAnswer)}/response`, {
        method: "POST",
        body: JSON.stringify({
          statusCode: 201,
          headers: { "content-type": "text/plain", "x-out": "1" },
          cookies: ["a=1; HttpOnly", "b=2"],
          body: Buffer.from("created").toString("base64"),
          isBase64Encoded: true
        })
      })
      const answer = yield* Fiber.join(caller)
      expect(answer.status).toBe(201)
      expect(answer.text).toBe("created")
      expect(answer.headers["content-type"]).toBe("text/plain")
      expect(answer.headers["x-out"]).toBe("1")
      expect(answer.headers["set-cookie"]).toEqual(["a=1; HttpOnly", "b=2"])
    }))

  it.scopedLive("binary bodies are base64; plain JSON answers are 200 application/json; errors 502", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ functionUrl: true })
      const caller = yield* Effect.fork(request(emulator.functionUrl!, "/", {
        method: "PUT",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array([0, 1, 2, 255])
      }))
      const n = yield* next(emulator)
      const event = json(n.body)
      expect(event.isBase64Encoded).toBe(true)
      expect(Buffer.from(event.body, "base64")).toEqual(Buffer.from([0, 1, 2, 255]))
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${requestId(n)}/response`, {
        method: "POST",
        body: "{\"plain\":1}"
      })
      const answer = yield* Fiber.join(caller)
      expect(answer.status).toBe(200)
      expect(answer.headers["content-type"]).toBe("application/json")
      expect(answer.json()).toEqual({ plain: 1 })

      const failing = yield* Effect.fork(request(emulator.functionUrl!, "/"))
      const n2 = yield* next(emulator)
      yield* request(emulator.url, `/2018-06-01/runtime/invocation/${requestId(n2)}/error`, {
        method: "POST",
        body: "{}"
      })
      expect((yield* Fiber.join(failing)).status).toBe(502)
    }))

  it.scopedLive("a streamed HTTP response: prelude -> status, headers, cookies; the body as it arrives", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ functionUrl: true })
      const headersSeen = yield* Deferred.make<{ status: number; headers: Http.IncomingHttpHeaders }>()
      const firstBody = yield* Deferred.make<string>()
      const done = yield* Deferred.make<string>()
      const req = Http.request(`${emulator.functionUrl}/stream`, { agent: false }, (res) => {
        Deferred.unsafeDone(headersSeen, Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers }))
        let all = ""
        res.on("data", (c: Buffer) => {
          all += c.toString()
          Deferred.unsafeDone(firstBody, Effect.succeed(all))
        })
        res.on("end", () => Deferred.unsafeDone(done, Effect.succeed(all)))
      })
      req.end()
      yield* Effect.addFinalizer(() => Effect.sync(() => req.destroy()))
      const post = yield* streamPost(
        emulator,
        requestId(yield* next(emulator)),
        "application/vnd.awslambda.http-integration-response"
      )
      const prelude = JSON.stringify({
        statusCode: 207,
        headers: { "content-type": "application/x-ndjson" },
        cookies: ["c=1"]
      })
      // the prelude split across writes, the delimiter too
      yield* post.write(prelude.slice(0, 10))
      yield* post.write(prelude.slice(10) + "\0\0\0")
      yield* post.write(Buffer.concat([Buffer.alloc(5), Buffer.from("{\"row\":1}\n")]))
      const seen = yield* Deferred.await(headersSeen)
      expect(seen.status).toBe(207)
      expect(seen.headers["content-type"]).toBe("application/x-ndjson")
      expect(seen.headers["set-cookie"]).toEqual(["c=1"])
      expect(yield* Deferred.await(firstBody)).toBe("{\"row\":1}\n")
      yield* post.write("{\"row\":2}\n")
      expect((yield* post.end()).status).toBe(202)
      expect(yield* Deferred.await(done)).toBe("{\"row\":1}\n{\"row\":2}\n")
    }))

  it.scopedLive("a streamed response that fails midway cuts the connection", () =>
    Effect.gen(function*() {
      const { emulator } = yield* start({ functionUrl: true })
      const ended = yield* Deferred.make<"end" | "aborted">()
      const req = Http.request(`${emulator.functionUrl}/`, { agent: false }, (res) => {
        res.on("data", () => {})
        res.on("end", () => Deferred.unsafeDone(ended, Effect.succeed("end" as const)))
        res.on("aborted", () => Deferred.unsafeDone(ended, Effect.succeed("aborted" as const)))
        res.on("error", () => Deferred.unsafeDone(ended, Effect.succeed("aborted" as const)))
      })
      req.on("error", () => Deferred.unsafeDone(ended, Effect.succeed("aborted" as const)))
      req.end()
      const post = yield* streamPost(emulator, requestId(yield* next(emulator)), "text/plain")
      yield* post.write("partial")
      yield* post.end(trailersOf("Function.Boom", { errorType: "Boom", errorMessage: "x" }))
      expect(yield* Deferred.await(ended)).toBe("aborted")
    }))
})
