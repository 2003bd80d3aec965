import { HttpHandler } from "@effect-lambda/middleware"
import { Handler, HttpResponseStream, LambdaRuntime, RuntimeApi } from "@effect-lambda/runtime"
import { EventBuilders, LambdaTest, MockRuntimeApi } from "@effect-lambda/testing"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const DELIMITER = "\u0000".repeat(8)

class ChunkFailed extends Schema.TaggedError<ChunkFailed>()("ChunkFailed", { message: Schema.String }) {}

/** Completed by the tests: the second half of `/gated` waits for it. */
let gate: Deferred.Deferred<void> = Deferred.unsafeMake(undefined as never)
/** Whether the resource `/scoped` acquired in the request's scope is still open. */
let resourceOpen = false

const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/text",
    Effect.succeed(
      HttpServerResponse.text("hello", { headers: { "x-extra": "1" } }).pipe(
        HttpServerResponse.unsafeSetCookie("a", "1", { httpOnly: true }),
        HttpServerResponse.unsafeSetCookie("b", "2")
      )
    )
  ),
  HttpRouter.get("/json", HttpServerResponse.json({ ok: true }, { status: 201 })),
  HttpRouter.get(
    "/gated",
    Effect.sync(() =>
      HttpServerResponse.stream(
        Stream.concat(
          Stream.make("first;"),
          Stream.fromEffect(Effect.as(Deferred.await(gate), "second"))
        ).pipe(Stream.encodeText),
        { contentType: "text/plain" }
      )
    )
  ),
  HttpRouter.get(
    "/fails",
    Effect.succeed(
      HttpServerResponse.stream(
        Stream.concat(Stream.encodeText(Stream.make("part;")), Stream.fail(new ChunkFailed({ message: "chunk 2" }))),
        { contentType: "text/plain" }
      )
    )
  ),
  HttpRouter.get(
    "/scoped",
    Effect.gen(function*() {
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          resourceOpen = true
        }),
        () =>
          Effect.sync(() => {
            resourceOpen = false
          })
      )
      // Read when the body is sent, after the handler returned.
      return HttpServerResponse.stream(
        Stream.encodeText(Stream.fromEffect(Effect.sync(() => `open: ${resourceOpen}`))),
        { contentType: "text/plain" }
      )
    })
  ),
  HttpRouter.get(
    "/forever",
    Effect.gen(function*() {
      yield* Effect.acquireRelease(
        Effect.sync(() => {
          resourceOpen = true
        }),
        () =>
          Effect.sync(() => {
            resourceOpen = false
          })
      )
      return HttpServerResponse.stream(Stream.concat(Stream.encodeText(Stream.make("tick;")), Stream.never))
    })
  ),
  HttpRouter.get("/raw", Effect.succeed(HttpServerResponse.raw({ not: "streamable" }))),
  HttpRouter.get(
    "/web",
    Effect.succeed(HttpServerResponse.raw(new Response("from a web stream").body, { contentType: "text/plain" }))
  ),
  HttpRouter.post(
    "/form",
    Effect.sync(() => {
      const form = new FormData()
      form.append("field", "value")
      return HttpServerResponse.formData(form)
    })
  ),
  HttpRouter.get("/boom", Effect.die(new Error("boom")))
)

const handler = HttpHandler.makeStreaming(router)

/**
 * The mock Runtime API, with every chunk the runtime posts for a streamed response published to
 * `posted` as it is posted: the tests see the body's first bytes leave before its end.
 */
const startObserved = <H extends LambdaRuntime.Handlers>(handlers: H) =>
  Effect.gen(function*() {
    const posted = yield* Queue.unbounded<string>()
    const context = yield* Layer.build(MockRuntimeApi.layer)
    const mock = Context.get(context, MockRuntimeApi.MockRuntimeApi)
    const inner = Context.get(context, RuntimeApi.RuntimeApi)
    const observed: RuntimeApi.RuntimeApiShape = {
      ...inner,
      respondStream: (requestId, body, options) =>
        inner.respondStream(
          requestId,
          Stream.tap(body, (chunk) => Queue.offer(posted, new TextDecoder().decode(chunk))),
          options
        )
    }
    yield* LambdaRuntime.run(handlers, Layer.empty, { deadlineMarginMs: 0 }).pipe(
      Effect.provide(Context.add(context, RuntimeApi.RuntimeApi, observed)),
      Effect.withConfigProvider(LambdaTest.configProvider({ AWS_LAMBDA_LOG_LEVEL: "FATAL" })),
      Effect.forkScoped
    )
    return { api: mock, posted }
  })

/** One invocation through the real loop on the mock Runtime API; the streamed body split. */
const call = (h: Handler.Handler<any, any, any, never>, event: unknown) =>
  Effect.gen(function*() {
    const { api } = yield* LambdaTest.start(h, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
    const report = yield* api.report(yield* api.enqueue(event))
    const at = report.body.indexOf(DELIMITER)
    return {
      report,
      prelude: at < 0 ? undefined : JSON.parse(report.body.slice(0, at)),
      body: at < 0 ? report.body : report.body.slice(at + DELIMITER.length)
    }
  })

const get = (path: string, method = "GET") =>
  call(handler, EventBuilders.functionUrlRequest({ path, method: method as any }))

describe("HttpHandler.makeStreaming", () => {
  it.scoped("status, headers and cookies go in the prelude; a text body follows it", () =>
    Effect.gen(function*() {
      const { body, prelude, report } = yield* get("/text")
      expect(report.streamed).toBe(true)
      expect(report.contentType).toBe(HttpResponseStream.CONTENT_TYPE)
      expect(report.errorType).toBeUndefined()
      expect(prelude).toEqual({
        statusCode: 200,
        headers: { "content-type": "text/plain", "content-length": "5", "x-extra": "1" },
        cookies: ["a=1; HttpOnly", "b=2"]
      })
      expect(body).toBe("hello")
    }))

  it.scoped("a JSON body with its status; a HEAD request gets the prelude only", () =>
    Effect.gen(function*() {
      const json = yield* get("/json")
      expect(json.prelude.statusCode).toBe(201)
      expect(json.prelude.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(json.body)).toEqual({ ok: true })
      const head = yield* get("/text", "HEAD")
      expect(head.prelude.statusCode).toBe(200)
      expect(head.body).toBe("")
    }))

  it.scoped("a stream body is posted as it is produced: its first chunk leaves before the stream ends", () =>
    Effect.gen(function*() {
      gate = yield* Deferred.make<void>()
      const { api, posted } = yield* startObserved(handler)
      const requestId = yield* api.enqueue(EventBuilders.functionUrlRequest({ path: "/gated" }))
      const prelude = yield* Queue.take(posted)
      expect(prelude.endsWith(DELIMITER)).toBe(true)
      expect(JSON.parse(prelude.slice(0, -DELIMITER.length))).toMatchObject({
        statusCode: 200,
        headers: { "content-type": "text/plain" }
      })
      expect(yield* Queue.take(posted)).toBe("first;")
      // The body's end is still waiting on the gate: nothing was reported yet.
      expect(yield* api.reports).toEqual([])
      yield* Deferred.succeed(gate, void 0)
      expect(yield* Queue.take(posted)).toBe("second")
      const report = yield* api.report(requestId)
      expect(report.errorType).toBeUndefined()
      expect(report.body).toBe(prelude + "first;second")
    }))

  it.scoped("a body stream failing after the first chunk: the error travels in the trailers", () =>
    Effect.gen(function*() {
      const { body, prelude, report } = yield* get("/fails")
      expect(prelude.statusCode).toBe(200)
      expect(body).toBe("part;")
      expect(report.errorType).toBe("Function.ChunkFailed")
      expect(JSON.parse(report.errorBody!)).toMatchObject({ errorType: "ChunkFailed", errorMessage: "chunk 2" })
    }))

  it.scoped("the request's scope stays open until the body has been sent, then closes", () =>
    Effect.gen(function*() {
      const { body } = yield* get("/scoped")
      expect(body).toBe("open: true")
      expect(resourceOpen).toBe(false)
    }))

  it.scopedLive("a body still streaming at the deadline: cut with the timeout in the trailers, the request's scope closed", () =>
    Effect.gen(function*() {
      const { api } = yield* LambdaTest.start(handler, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      const report = yield* api.report(
        yield* api.enqueue(EventBuilders.functionUrlRequest({ path: "/forever" }), { timeoutMs: 300 })
      )
      expect(report.streamed).toBe(true)
      expect(report.body.endsWith(DELIMITER + "tick;")).toBe(true)
      expect(report.errorType).toBe("Runtime.Timeout")
      expect(resourceOpen).toBe(false)
    }))

  it.scoped("errors of the app are answers: 404, 500", () =>
    Effect.gen(function*() {
      const missing = yield* get("/nope")
      expect(missing.report.errorType).toBeUndefined()
      expect(missing.prelude.statusCode).toBe(404)
      const boom = yield* get("/boom")
      expect(boom.report.errorType).toBeUndefined()
      expect(boom.prelude.statusCode).toBe(500)
    }))

  it.scoped("FormData and web ReadableStream bodies are streamed; any other Raw body is a ResponseBodyError", () =>
    Effect.gen(function*() {
      const form = yield* call(handler, EventBuilders.functionUrlRequest({ path: "/form", method: "POST" }))
      expect(form.prelude.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(form.body).toContain("name=\"field\"")
      expect(form.body).toContain("value")
      const web = yield* get("/web")
      expect(web.prelude.headers["content-type"]).toBe("text/plain")
      expect(web.body).toBe("from a web stream")
      const raw = yield* get("/raw")
      expect(raw.report._tag).toBe("Error")
      expect(raw.report.errorType).toBe("Function.ResponseBodyError")
      expect(JSON.parse(raw.report.body)).toMatchObject({ errorType: "ResponseBodyError" })
    }))

  it("ResponseBodyError is recognised by its type id", () => {
    expect(HttpHandler.isResponseBodyError(new HttpHandler.ResponseBodyError({ message: "m" }))).toBe(true)
    expect(HttpHandler.isResponseBodyError(new ChunkFailed({ message: "m" }))).toBe(false)
  })
})

class Api extends HttpApi.make("api").add(
  HttpApiGroup.make("hello").add(HttpApiEndpoint.get("greet", "/hello").addSuccess(Schema.String))
) {}
const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(HttpApiBuilder.group(Api, "hello", (handlers) => handlers.handle("greet", () => Effect.succeed("hi"))))
)

describe("HttpHandler.fromHttpApiStreaming", () => {
  it.scoped("answers an endpoint and a 404 through the prelude", () =>
    Effect.gen(function*() {
      const api = HttpHandler.fromHttpApiStreaming(ApiLive)
      const hello = yield* call(api, EventBuilders.functionUrlRequest({ path: "/hello" }))
      expect(hello.prelude.statusCode).toBe(200)
      expect(JSON.parse(hello.body)).toBe("hi")
      const missing = yield* call(api, EventBuilders.functionUrlRequest({ path: "/nope" }))
      expect(missing.prelude.statusCode).toBe(404)
    }))
})
