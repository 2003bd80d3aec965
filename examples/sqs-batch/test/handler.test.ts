import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"

const order = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, amount: 10, ...extra })

describe("sqs-batch", () => {
  it.effect("a good batch: no failures", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.sqsEvent([order("o-1"), order("o-2")]))
      expect(result._tag === "Response" && result.json).toEqual({ batchItemFailures: [] })
    }))

  it.effect("bad bodies and rejected orders are reported, the others are not", () =>
    Effect.gen(function*() {
      const event = EventBuilders.sqsEvent([
        { messageId: "good-1", body: order("o-1") },
        { messageId: "not-json", body: "hello" },
        { messageId: "not-an-order", body: JSON.stringify({ id: 42 }) },
        { messageId: "rejected", body: order("o-4", { fail: true }) },
        { messageId: "good-2", body: order("o-5", { fail: false }) }
      ])
      const result = yield* LambdaTest.invoke(handler, event)
      expect(result._tag === "Response" && result.json).toEqual({
        batchItemFailures: [{ itemIdentifier: "not-json" }, { itemIdentifier: "not-an-order" }, {
          itemIdentifier: "rejected"
        }]
      })
    }))

  it.effect("a FIFO queue: the first failure and every later message are reported", () =>
    Effect.gen(function*() {
      const event = EventBuilders.sqsEvent([order("o-1"), order("o-2", { fail: true }), order("o-3")], { fifo: true })
      const result = yield* LambdaTest.invoke(handler, event)
      expect(result._tag === "Response" && result.json).toEqual({
        batchItemFailures: event.Records.slice(1).map((r) => ({ itemIdentifier: r.messageId }))
      })
    }))

  it.effect("an event that is not SQS is a Runtime.InvalidEvent error", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, { Records: [{ body: "x" }] })
      expect(result._tag === "Error" && result.errorType).toBe("Runtime.InvalidEvent")
    }))
})
