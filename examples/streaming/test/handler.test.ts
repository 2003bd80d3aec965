import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { handler, rows } from "../src/handler.js"

const DELIMITER = "\u0000".repeat(8)

/** Runs one Function URL request through the real runtime loop and splits the streamed body. */
const call = (query: Record<string, string>) =>
  Effect.gen(function*() {
    const { api } = yield* LambdaTest.start(handler, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
    const report = yield* api.report(yield* api.enqueue(EventBuilders.functionUrlRequest({ path: "/rows", query })))
    const at = report.body.indexOf(DELIMITER)
    return { report, prelude: JSON.parse(report.body.slice(0, at)), body: report.body.slice(at + DELIMITER.length) }
  })

describe("streaming example", () => {
  it.scoped("streams NDJSON rows after an HTTP prelude", () =>
    Effect.gen(function*() {
      const { body, prelude, report } = yield* call({ rows: "3" })
      expect(report.streamed).toBe(true)
      expect(report.errorType).toBeUndefined()
      expect(report.contentType).toBe("application/vnd.awslambda.http-integration-response")
      expect(prelude).toEqual({
        statusCode: 200,
        headers: { "content-type": "application/x-ndjson", "cache-control": "no-store" },
        cookies: []
      })
      expect(body.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l))).toEqual([
        { id: 1, square: 1 },
        { id: 2, square: 4 },
        { id: 3, square: 9 }
      ])
    }))

  it.scoped("a row that fails after the first rows went out: the error comes in the trailers", () =>
    Effect.gen(function*() {
      const { body, prelude, report } = yield* call({ rows: "5", failAt: "3" })
      expect(prelude.statusCode).toBe(200)
      expect(body).toBe("{\"id\":1,\"square\":1}\n{\"id\":2,\"square\":4}\n")
      expect(report.streamed).toBe(true)
      expect(report.errorType).toBe("Function.RowFailed")
      expect(JSON.parse(report.errorBody!)).toMatchObject({ errorType: "RowFailed", errorMessage: "row 3 failed" })
    }))

  it.scoped("a bad query string is a 400", () =>
    Effect.gen(function*() {
      const { body, prelude } = yield* call({ rows: "many" })
      expect(prelude.statusCode).toBe(400)
      expect(body).toMatch(/^bad query: /)
    }))

  it.effect("zero rows is an empty body; the row stream is the rows asked for", () =>
    Effect.gen(function*() {
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(rows({ rows: 0, delayMs: 0 })))).toEqual([])
      const lines = yield* Stream.runCollect(rows({ rows: 1000, delayMs: 0 }))
      expect(lines.length).toBe(1000)
      const failed = yield* Stream.runCollect(rows({ rows: 10, delayMs: 0, failAt: 10 })).pipe(Effect.either)
      expect(Either.isLeft(failed) && failed.left._tag).toBe("RowFailed")
    }))
})
