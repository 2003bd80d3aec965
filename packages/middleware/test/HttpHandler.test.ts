import { HttpHandler } from "@effect-lambda/middleware"
import { LambdaContext } from "@effect-lambda/runtime"
import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import * as HttpMiddleware from "@effect/platform/HttpMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { readFileSync } from "node:fs"

class Item extends Schema.Class<Item>("Item")({ name: Schema.NonEmptyString, price: Schema.Number }) {}

const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/hello/:name",
    Effect.map(HttpRouter.params, (params) => HttpServerResponse.text(`hello ${params.name}`))
  ),
  HttpRouter.all(
    "/echo",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const search = yield* HttpServerRequest.ParsedSearchParams
      const { source } = yield* HttpHandler.RequestEvent
      return yield* HttpServerResponse.json({
        source,
        method: request.method,
        url: request.url,
        headers: request.headers,
        cookies: request.cookies,
        search,
        remoteAddress: Option.getOrNull(request.remoteAddress)
      })
    })
  ),
  HttpRouter.post(
    "/items",
    Effect.flatMap(HttpServerRequest.schemaBodyJson(Item), (item) => HttpServerResponse.json(item, { status: 201 }))
  ),
  HttpRouter.post(
    "/reverse",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const bytes = new Uint8Array(yield* request.arrayBuffer)
      return HttpServerResponse.uint8Array(bytes.reverse(), { contentType: "application/octet-stream" })
    })
  ),
  HttpRouter.get(
    "/cookies",
    Effect.succeed(
      HttpServerResponse.text("ok").pipe(
        HttpServerResponse.unsafeSetCookie("a", "1", { httpOnly: true }),
        HttpServerResponse.unsafeSetCookie("b", "2")
      )
    )
  ),
  HttpRouter.get("/boom", Effect.die(new Error("boom"))),
  HttpRouter.get("/slow", Effect.never),
  HttpRouter.get(
    "/whoami",
    Effect.gen(function*() {
      const { event, source } = yield* HttpHandler.RequestEvent
      const claims = source === "apiGatewayV2" ? event.requestContext.authorizer?.jwt?.claims : undefined
      return yield* HttpServerResponse.json({ source, claims })
    })
  ),
  HttpRouter.get(
    "/context",
    Effect.flatMap(LambdaContext.LambdaContext, (ctx) => HttpServerResponse.json({ requestId: ctx.requestId }))
  ),
  HttpRouter.get(
    "/stream",
    Effect.succeed(
      HttpServerResponse.stream(Stream.encodeText(Stream.make("st", "re", "am")), { contentType: "text/plain" })
    )
  )
)

const handler = HttpHandler.make(router)

const invoke = (event: unknown) =>
  Effect.map(LambdaTest.invoke(handler, event), (result) => {
    if (result._tag !== "Response") throw new Error(`expected a response, got ${JSON.stringify(result)}`)
    return result.json as any
  })

describe("HttpHandler: API Gateway 2.0", () => {
  it.effect("routes with path parameters", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.apiGatewayV2Request({ path: "/hello/ada" }))
      expect(result).toEqual({
        statusCode: 200,
        headers: { "content-type": "text/plain", "content-length": "9" },
        body: "hello ada",
        isBase64Encoded: false
      })
    }))

  it.effect("passes method, query string, lower-cased headers, cookies and remote address", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.apiGatewayV2Request({
        method: "PATCH",
        path: "/echo",
        query: { q: "a b", tag: ["x", "y"] },
        headers: { "X-Trace": "t1", "X-Multi": ["1", "2"] },
        cookies: { session: "s1", theme: "dark" },
        sourceIp: "198.51.100.7"
      }))
      const body = JSON.parse(result.body)
      expect(body.source).toBe("apiGatewayV2")
      expect(body.method).toBe("PATCH")
      expect(body.url).toBe("/echo?q=a%20b&tag=x&tag=y")
      expect(body.search).toEqual({ q: "a b", tag: ["x", "y"] })
      expect(body.headers["x-trace"]).toBe("t1")
      expect(body.headers["x-multi"]).toBe("1,2")
      expect(body.cookies).toEqual({ session: "s1", theme: "dark" })
      expect(body.remoteAddress).toBe("198.51.100.7")
    }))

  it.effect("decodes a JSON body with a Schema: 201, and 400 when it does not decode", () =>
    Effect.gen(function*() {
      const created = yield* invoke(
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "pen", price: 2 } })
      )
      expect(created.statusCode).toBe(201)
      expect(JSON.parse(created.body)).toEqual({ name: "pen", price: 2 })
      const bad = yield* invoke(
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: { name: "" } })
      )
      expect(bad.statusCode).toBe(400)
      const notJson = yield* invoke(
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/items", body: "{not json" })
      )
      expect(notJson.statusCode).toBe(400)
    }))

  it.effect("answers 404 for an unknown route and 500 for a defect, as responses not Lambda errors", () =>
    Effect.gen(function*() {
      const missing = yield* LambdaTest.invoke(handler, EventBuilders.apiGatewayV2Request({ path: "/nope" }))
      expect(missing._tag).toBe("Response")
      expect((missing as any).json.statusCode).toBe(404)
      const boom = yield* invoke(EventBuilders.apiGatewayV2Request({ path: "/boom" }))
      expect(boom.statusCode).toBe(500)
    }))

  it.effect("base64 bodies in, binary content types base64 out", () =>
    Effect.gen(function*() {
      const result = yield* invoke(
        EventBuilders.apiGatewayV2Request({ method: "POST", path: "/reverse", body: new Uint8Array([1, 2, 255]) })
      )
      expect(result.isBase64Encoded).toBe(true)
      expect([...Buffer.from(result.body, "base64")]).toEqual([255, 2, 1])
      expect(result.headers["content-type"]).toBe("application/octet-stream")
    }))

  it.effect("Set-Cookie goes to `cookies`", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.apiGatewayV2Request({ path: "/cookies" }))
      expect(result.cookies).toEqual(["a=1; HttpOnly", "b=2"])
      expect(result.headers["set-cookie"]).toBeUndefined()
    }))

  it.effect("renders streamed bodies", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.apiGatewayV2Request({ path: "/stream" }))
      expect(result.body).toBe("stream")
      expect(result.isBase64Encoded).toBe(false)
    }))

  it.effect("HEAD gets headers and no body", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.apiGatewayV2Request({ method: "HEAD", path: "/hello/ada" }))
      expect(result.statusCode).toBe(200)
      expect(result.body).toBe("")
    }))
})

describe("HttpHandler: API Gateway 1.0", () => {
  it.effect("multi-value headers and query strings in, Set-Cookie as multi-value header out", () =>
    Effect.gen(function*() {
      const echo = yield* invoke(EventBuilders.apiGatewayV1Request({
        path: "/echo",
        query: { tag: ["a&b", "c"] },
        headers: { "X-Multi": ["1", "2"] },
        cookies: { session: "s1" },
        sourceIp: "203.0.113.9"
      }))
      const body = JSON.parse(echo.body)
      expect(body.source).toBe("apiGatewayV1")
      expect(body.search).toEqual({ tag: ["a&b", "c"] })
      expect(body.headers["x-multi"]).toBe("1, 2")
      expect(body.cookies).toEqual({ session: "s1" })
      expect(body.remoteAddress).toBe("203.0.113.9")
      const cookies = yield* invoke(EventBuilders.apiGatewayV1Request({ path: "/cookies" }))
      expect(cookies.multiValueHeaders).toEqual({ "set-cookie": ["a=1; HttpOnly", "b=2"] })
      expect(cookies.cookies).toBeUndefined()
    }))

  it.effect("POST with a body", () =>
    Effect.gen(function*() {
      const created = yield* invoke(
        EventBuilders.apiGatewayV1Request({ method: "POST", path: "/items", body: { name: "pen", price: 2 } })
      )
      expect(created.statusCode).toBe(201)
    }))
})

describe("HttpHandler: Function URL and ALB", () => {
  it.effect("Function URL events are told from 2.0 by their domain", () =>
    Effect.gen(function*() {
      const echo = yield* invoke(EventBuilders.functionUrlRequest({ path: "/echo" }))
      expect(JSON.parse(echo.body).source).toBe("functionUrl")
      const cookies = yield* invoke(EventBuilders.functionUrlRequest({ path: "/cookies" }))
      expect(cookies.cookies).toEqual(["a=1; HttpOnly", "b=2"])
    }))

  it.effect("ALB single-value: query values stay encoded, statusDescription, remote address from x-forwarded-for", () =>
    Effect.gen(function*() {
      const echo = yield* invoke(
        EventBuilders.albRequest({ path: "/echo", query: { q: "a b" }, sourceIp: "192.0.2.77" })
      )
      const body = JSON.parse(echo.body)
      expect(body.source).toBe("alb")
      expect(body.search).toEqual({ q: "a b" })
      expect(body.remoteAddress).toBe("192.0.2.77")
      expect(echo.statusDescription).toBe("200 OK")
      expect(echo.multiValueHeaders).toBeUndefined()
      const missing = yield* invoke(EventBuilders.albRequest({ path: "/nope" }))
      expect(missing.statusDescription).toBe("404 Not Found")
    }))

  it.effect("ALB multi-value: answers with multi-value headers only", () =>
    Effect.gen(function*() {
      const result = yield* invoke(EventBuilders.albRequest({ path: "/cookies", multiValue: true }))
      expect(result.headers).toBeUndefined()
      expect(result.multiValueHeaders["set-cookie"]).toEqual(["a=1; HttpOnly", "b=2"])
      expect(result.multiValueHeaders["content-type"]).toEqual(["text/plain"])
    }))
})

describe("HttpHandler: invocation", () => {
  it.effect("the app sees the invocation's LambdaContext", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.apiGatewayV2Request({ path: "/context" }), {
        requestId: "req-42"
      })
      expect(JSON.parse((result as any).json.body)).toEqual({ requestId: "req-42" })
    }))

  it.effect("RequestEvent gives routes the raw event (typed by source)", () =>
    Effect.gen(function*() {
      const event = EventBuilders.apiGatewayV2Request({ path: "/whoami" })
      const withJwt = {
        ...event,
        requestContext: { ...event.requestContext, authorizer: { jwt: { claims: { sub: "u-1" }, scopes: null } } }
      }
      const result = yield* invoke(withJwt)
      expect(JSON.parse(result.body)).toEqual({ source: "apiGatewayV2", claims: { sub: "u-1" } })
    }))

  // Real time: the runtime's deadline timer has to fire while the app waits forever.
  it.live("the deadline interrupts the app and is reported as Runtime.Timeout", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.apiGatewayV2Request({ path: "/slow" }), {
        timeoutMs: 50
      })
      expect(result._tag === "Error" && result.errorType).toBe("Runtime.Timeout")
    }))

  it.effect("a request a web Request refuses (bad method) is a 400 answer", () =>
    Effect.gen(function*() {
      const event = EventBuilders.apiGatewayV2Request({ path: "/hello/x" })
      const bad = {
        ...event,
        requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: "GE T" } }
      }
      const result = yield* invoke(bad)
      expect(result.statusCode).toBe(400)
    }))

  it.effect("ALB: base64 request bodies and multi-value query strings", () =>
    Effect.gen(function*() {
      const reversed = yield* invoke(
        EventBuilders.albRequest({ method: "POST", path: "/reverse", body: new Uint8Array([7, 8]) })
      )
      expect(reversed.isBase64Encoded).toBe(true)
      expect([...Buffer.from(reversed.body, "base64")]).toEqual([8, 7])
      const echo = yield* invoke(
        EventBuilders.albRequest({ path: "/echo", multiValue: true, query: { t: ["a b", "c"] } })
      )
      expect(JSON.parse(echo.body).search).toEqual({ t: ["a b", "c"] })
    }))
})

describe("HttpHandler: event option", () => {
  it.effect("a named source only accepts its own events", () =>
    Effect.gen(function*() {
      const v2Only = HttpHandler.make(router, { event: "apiGatewayV2" })
      const ok = yield* LambdaTest.invoke(v2Only, EventBuilders.apiGatewayV2Request({ path: "/hello/x" }))
      expect(ok._tag).toBe("Response")
      const wrong = yield* LambdaTest.invoke(v2Only, EventBuilders.albRequest({ path: "/hello/x" }))
      expect(wrong._tag === "Error" && wrong.errorType).toBe("Runtime.InvalidEvent")
    }))

  it.effect("middleware wraps the app as HttpServer.serve(app, middleware) does (CORS here)", () =>
    Effect.gen(function*() {
      const withCors = HttpHandler.make(router, {
        middleware: HttpMiddleware.cors({ allowedOrigins: ["https://app.example.com"] })
      })
      const result = yield* LambdaTest.invoke(
        withCors,
        EventBuilders.apiGatewayV2Request({ path: "/hello/x", headers: { origin: "https://app.example.com" } })
      )
      const json = (result as any).json
      expect(json.statusCode).toBe(200)
      expect(json.headers["access-control-allow-origin"]).toBe("https://app.example.com")
    }))

  it.effect("isBinary overrides the text/binary decision", () =>
    Effect.gen(function*() {
      const allBinary = HttpHandler.make(router, { isBinary: () => true })
      const result = yield* LambdaTest.invoke(allBinary, EventBuilders.apiGatewayV2Request({ path: "/hello/x" }))
      const json = (result as any).json
      expect(json.isBase64Encoded).toBe(true)
      expect(Buffer.from(json.body, "base64").toString()).toBe("hello x")
    }))

  it("default isBinary", () => {
    expect(HttpHandler.isBinary("application/json; charset=utf-8")).toBe(false)
    expect(HttpHandler.isBinary("text/html")).toBe(false)
    expect(HttpHandler.isBinary("application/vnd.api+json")).toBe(false)
    expect(HttpHandler.isBinary("image/png")).toBe(true)
    expect(HttpHandler.isBinary("application/octet-stream")).toBe(true)
    expect(HttpHandler.isBinary(undefined)).toBe(false)
  })
})

// The events package's samples, written from AWS's documented payloads: "auto" must take each
// one, tell its source and rebuild its request.
describe("HttpHandler: AWS sample events", () => {
  const fixtures = new URL("../../events/test/fixtures/", import.meta.url)
  const expected: ReadonlyArray<readonly [string, HttpHandler.Source, string, string]> = [
    ["alb-multi-value.json", "alb", "POST", "/upload"],
    ["alb-single-value.json", "alb", "GET", "/search"],
    ["apigw-http-payload-v1.json", "apiGatewayV1", "PUT", "/files"],
    ["apigw-rest-get-empty.json", "apiGatewayV1", "GET", "/health"],
    ["apigw-rest-post.json", "apiGatewayV1", "POST", "/orders/o-1842/items"],
    ["apigw-v2-get-minimal.json", "apiGatewayV2", "GET", "/"],
    ["apigw-v2-iam.json", "apiGatewayV2", "GET", "/reports"],
    ["apigw-v2-jwt.json", "apiGatewayV2", "POST", "/carts/c-77/items"],
    ["apigw-v2-lambda-authorizer.json", "apiGatewayV2", "PUT", "/avatars/u-9"],
    ["function-url-anonymous.json", "functionUrl", "GET", "/"],
    ["function-url-iam.json", "functionUrl", "POST", "/jobs/run"]
  ]
  const describeRequest = HttpHandler.make(
    HttpRouter.empty.pipe(HttpRouter.all(
      "*",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const { source } = yield* HttpHandler.RequestEvent
        const body = request.method === "GET" ? "" : yield* request.text
        return yield* HttpServerResponse.json({
          source,
          method: request.method,
          url: request.url,
          body,
          host: request.headers.host
        })
      })
    ))
  )
  for (const [file, source, method, path] of expected) {
    it.effect(file, () =>
      Effect.gen(function*() {
        const event = JSON.parse(readFileSync(new URL(file, fixtures), "utf8"))
        const reported = yield* LambdaTest.invoke(describeRequest, event)
        const result = reported._tag === "Response" ? reported.json as any : expect.fail(JSON.stringify(reported))
        expect(result.statusCode).toBe(200)
        const seen = JSON.parse(result.body)
        expect(seen.source).toBe(source)
        expect(seen.method).toBe(method)
        expect(seen.url.split("?")[0]).toBe(path)
        const raw = event.body ?? ""
        expect(seen.body).toBe(
          method === "GET" ? "" : event.isBase64Encoded ? Buffer.from(raw, "base64").toString() : raw
        )
        expect(typeof seen.host).toBe("string")
      }))
  }
})
