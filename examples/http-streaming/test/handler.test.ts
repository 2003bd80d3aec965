import { HttpResponseStream } from "@effect-lambda/runtime"
import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { handler } from "../src/handler.js"

const DELIMITER = "\u0000".repeat(8)

/** One Function URL request through the real runtime loop; the streamed body split. */
const call = (path: string, query: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const { api } = yield* LambdaTest.start(handler, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
    const report = yield* api.report(yield* api.enqueue(EventBuilders.functionUrlRequest({ path, query })))
    const at = report.body.indexOf(DELIMITER)
    return { report, prelude: JSON.parse(report.body.slice(0, at)), body: report.body.slice(at + DELIMITER.length) }
  })

describe("http-streaming example", () => {
  it.scoped("GET /events: server-sent events after an HTTP prelude", () =>
    Effect.gen(function*() {
      const { body, prelude, report } = yield* call("/events", { count: "3", delayMs: "0" })
      expect(report.streamed).toBe(true)
      expect(report.contentType).toBe(HttpResponseStream.CONTENT_TYPE)
      expect(prelude).toEqual({
        statusCode: 200,
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
        cookies: []
      })
      expect(body).toBe(
        "event: tick\ndata: {\"n\":1}\n\nevent: tick\ndata: {\"n\":2}\n\nevent: tick\ndata: {\"n\":3}\n\n"
      )
    }))

  it.scoped("a query that does not decode is a 400; an unknown path a 404; /hello plain text", () =>
    Effect.gen(function*() {
      expect((yield* call("/events", { count: "lots" })).prelude.statusCode).toBe(400)
      expect((yield* call("/nope")).prelude.statusCode).toBe(404)
      const hello = yield* call("/hello")
      expect(hello.prelude.headers["content-type"]).toBe("text/plain")
      expect(hello.body).toBe("hello")
    }))
})
