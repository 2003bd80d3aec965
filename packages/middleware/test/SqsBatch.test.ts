import { SqsBatch } from "@effect-lambda/middleware"
import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

const response = (result: LambdaTest.InvokeResult) => {
  if (result._tag !== "Response") throw new Error(`expected a response, got ${JSON.stringify(result)}`)
  return result.json as { batchItemFailures: Array<{ itemIdentifier: string }> }
}

const ids = (result: LambdaTest.InvokeResult) => response(result).batchItemFailures.map((f) => f.itemIdentifier)

class Job extends Schema.Class<Job>("Job")({ n: Schema.Number }) {}

describe("SqsBatch.partialFailures", () => {
  it.effect("reports only the failed messages (failures and defects), handling all of them", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<Array<string>>([])
      const handler = SqsBatch.partialFailures((record) =>
        Effect.zipRight(
          Ref.update(seen, (all) => [...all, record.body]),
          record.body === "fail" ? Effect.fail("nope") : record.body === "die" ? Effect.die("boom") : Effect.void
        )
      )
      const event = EventBuilders.sqsEvent(["ok", { body: "fail", messageId: "m-2" }, "ok", {
        body: "die",
        messageId: "m-4"
      }])
      expect(ids(yield* LambdaTest.invoke(handler, event))).toEqual(["m-2", "m-4"])
      expect((yield* Ref.get(seen)).length).toBe(4)
    }))

  it.effect("an all-good batch and an empty batch answer with no failures", () =>
    Effect.gen(function*() {
      const handler = SqsBatch.partialFailures(() => Effect.void)
      expect(response(yield* LambdaTest.invoke(handler, EventBuilders.sqsEvent(["a", "b"])))).toEqual({
        batchItemFailures: []
      })
      expect(response(yield* LambdaTest.invoke(handler, { Records: [] }))).toEqual({ batchItemFailures: [] })
    }))

  it.effect("with `body`, a body that does not decode is a failed message", () =>
    Effect.gen(function*() {
      const total = yield* Ref.make(0)
      const handler = SqsBatch.partialFailures(
        (record) => Ref.update(total, (n) => n + record.body.n),
        { body: Schema.parseJson(Job) }
      )
      const event = EventBuilders.sqsEvent([`{"n":1}`, { body: "not json", messageId: "bad-1" }, {
        body: `{"n":"x"}`,
        messageId: "bad-2"
      }, `{"n":2}`])
      expect(ids(yield* LambdaTest.invoke(handler, event))).toEqual(["bad-1", "bad-2"])
      expect(yield* Ref.get(total)).toBe(3)
    }))

  it.live("bounds concurrency", () =>
    Effect.gen(function*() {
      let running = 0
      let peak = 0
      const handler = SqsBatch.partialFailures(
        () =>
          Effect.acquireUseRelease(
            Effect.sync(() => {
              running++
              peak = Math.max(peak, running)
            }),
            () => Effect.sleep("5 millis"),
            () => Effect.sync(() => void running--)
          ),
        { concurrency: 3 }
      )
      const event = EventBuilders.sqsEvent(Array.from({ length: 10 }, (_, i) => `m${i}`))
      expect(ids(yield* LambdaTest.invoke(handler, event))).toEqual([])
      expect(peak).toBe(3)
    }))

  it.effect("FIFO queues: in order, stop at the first failure, report it and every later message", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<Array<string>>([])
      const handler = SqsBatch.partialFailures((record) =>
        Effect.zipRight(
          Ref.update(seen, (all) => [...all, record.body]),
          record.body === "b" ? Effect.fail("nope") : Effect.void
        )
      )
      const event = EventBuilders.sqsEvent(["a", "b", "c", "d"], { fifo: true })
      const messageIds = event.Records.map((r) => r.messageId)
      expect(ids(yield* LambdaTest.invoke(handler, event))).toEqual(messageIds.slice(1))
      expect(yield* Ref.get(seen)).toEqual(["a", "b"])
    }))

  it.effect("fifo: true forces ordered handling on any queue; fifo: false turns it off", () =>
    Effect.gen(function*() {
      const failB = (record: { body: string }) => record.body === "b" ? Effect.fail("nope") : Effect.void
      const event = EventBuilders.sqsEvent(["a", "b", "c"])
      const forced = yield* LambdaTest.invoke(SqsBatch.partialFailures(failB, { fifo: true }), event)
      expect(ids(forced)).toEqual([event.Records[1]!.messageId, event.Records[2]!.messageId])
      const fifoEvent = EventBuilders.sqsEvent(["a", "b", "c"], { fifo: true })
      const off = yield* LambdaTest.invoke(SqsBatch.partialFailures(failB, { fifo: false }), fifoEvent)
      expect(ids(off)).toEqual([fifoEvent.Records[1]!.messageId])
    }))

  // Real time: the runtime's deadline timer has to fire while a message waits forever.
  it.live("a batch still running at the deadline is a Runtime.Timeout (the whole batch is retried)", () =>
    Effect.gen(function*() {
      const handler = (fifo: boolean) =>
        SqsBatch.partialFailures((record) => record.body === "stuck" ? Effect.never : Effect.void, { fifo })
      for (const fifo of [false, true]) {
        const result = yield* LambdaTest.invoke(handler(fifo), EventBuilders.sqsEvent(["a", "stuck", "c"]), {
          timeoutMs: 50
        })
        expect(result._tag === "Error" && result.errorType).toBe("Runtime.Timeout")
      }
    }))
})
