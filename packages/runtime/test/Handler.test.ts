import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as Handler from "../src/Handler.js"

describe("Handler", () => {
  it("isHandler tells handlers apart", () => {
    expect(Handler.isHandler(Handler.make({ handle: Effect.succeed }))).toBe(true)
    expect(Handler.isHandler({ handle: () => 1 })).toBe(false)
    expect(Handler.isHandler(null)).toBe(false)
  })

  it.scoped("mapEffect wraps the program and keeps decoding and encoding", () =>
    Effect.gen(function*() {
      const base = Handler.make({
        event: Schema.Struct({ n: Schema.Number }),
        response: Schema.Struct({ n: Schema.NumberFromString }),
        handle: (event) => Effect.succeed({ n: event.n })
      })
      const doubled = Handler.mapEffect(base, (effect, event) => Effect.map(effect, (r) => ({ n: r.n * 2 + event.n })))
      const result = yield* LambdaTest.invoke(doubled, { n: 5 })
      expect(result).toMatchObject({ _tag: "Response", json: { n: "15" } })
      const invalid = yield* LambdaTest.invoke(doubled, { n: "five" }, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      expect(invalid).toMatchObject({ _tag: "Error", errorType: "Runtime.InvalidEvent" })
    }))

  it.scoped("withDeadline interrupts `margin` before the deadline and reports Runtime.Timeout", () =>
    Effect.gen(function*() {
      const released = yield* Ref.make(false)
      const slow = Handler.make({
        handle: () => Effect.acquireUseRelease(Effect.void, () => Effect.never, () => Ref.set(released, true))
      }).pipe(Handler.withDeadline("1 second"))
      const { api } = yield* LambdaTest.start(slow, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      const id = yield* api.enqueue({}, { timeoutMs: 5000 })
      yield* TestClock.adjust("3999 millis")
      expect(yield* api.reports).toEqual([])
      yield* TestClock.adjust("1 millis")
      const report = yield* api.report(id)
      expect(report.errorType).toBe("Runtime.Timeout")
      expect(JSON.parse(report.body)).toMatchObject({
        errorType: "TimeoutError",
        errorMessage: "Task timed out after 4.00 seconds (interrupted 1000 ms before the deadline)"
      })
      expect(yield* Ref.get(released)).toBe(true)
    }))

  it.scoped("withDeadline leaves a handler that finishes in time alone", () =>
    Effect.gen(function*() {
      const quick = Handler.make({ handle: () => Effect.as(Effect.sleep("100 millis"), "done") }).pipe(
        Handler.withDeadline("1 second")
      )
      const { api } = yield* LambdaTest.start(quick, Layer.empty)
      const id = yield* api.enqueue({}, { timeoutMs: 5000 })
      yield* TestClock.adjust("100 millis")
      expect((yield* api.report(id)).body).toBe("\"done\"")
    }))

  it.scoped("withLogging logs the event and the result at debug level", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const write = process.stdout.write
      process.stdout.write = ((chunk: string) => {
        lines.push(String(chunk))
        return true
      }) as typeof process.stdout.write
      yield* Effect.addFinalizer(() => Effect.sync(() => void (process.stdout.write = write)))
      const logged = Handler.make({ handle: (event) => Effect.succeed({ echoed: event }) }).pipe(Handler.withLogging)
      const result = yield* LambdaTest.invoke(logged, { hi: 1 }, {
        env: { AWS_LAMBDA_LOG_LEVEL: "DEBUG", AWS_LAMBDA_LOG_FORMAT: "JSON" }
      })
      process.stdout.write = write
      expect(result._tag).toBe("Response")
      const entries = lines.map((line) => JSON.parse(line))
      expect(entries.map((e) => [e.level, e.requestId === result.requestId])).toEqual([["DEBUG", true], [
        "DEBUG",
        true
      ]])
      expect(entries[0].message).toContain("hi: 1")
      expect(entries[1].message).toContain("echoed")
    }))
})

describe("Handler: readable decode errors", () => {
  const Person = Schema.Struct({ name: Schema.String, address: Schema.Struct({ zip: Schema.Number }) })

  it.scoped("Runtime.InvalidEvent lists path and problem, one line each (ArrayFormatter), not an escaped tree", () =>
    Effect.gen(function*() {
      const handler = Handler.make({ event: Person, handle: (p) => Effect.succeed(p.name) })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      const messageOf = (event: unknown) =>
        Effect.map(Effect.flatMap(api.enqueue(event), api.report), (r) => {
          expect(r.errorType).toBe("Runtime.InvalidEvent")
          return (JSON.parse(r.body) as { errorMessage: string }).errorMessage
        })
      expect(yield* messageOf({ address: { zip: 1 } })).toBe(`["name"] is missing`)
      expect(yield* messageOf({ name: "n", address: { zip: "75001" } })).toBe(
        `["address"]["zip"] Expected number, actual "75001"`
      )
      expect(yield* messageOf("not json")).toMatch(/^Unexpected token .* is not valid JSON$/)
    }))

  it.scoped("every problem of the event is listed, one line each", () =>
    Effect.gen(function*() {
      const handler = Handler.make({
        event: Schema.Struct({ a: Schema.String, b: Schema.Number }),
        handle: Effect.succeed
      })
      const { api } = yield* LambdaTest.start(handler, Layer.empty, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      const report = yield* api.report(yield* api.enqueue({ b: "x" }))
      expect((JSON.parse(report.body) as { errorMessage: string }).errorMessage).toBe(
        `["a"] is missing\n["b"] Expected number, actual "x"`
      )
    }))
})
