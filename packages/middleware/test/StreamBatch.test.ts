import { StreamBatch } from "@effect-lambda/middleware"
import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"

const failures = (result: LambdaTest.InvokeResult) => {
  if (result._tag !== "Response") throw new Error(`expected a response, got ${JSON.stringify(result)}`)
  return (result.json as { batchItemFailures: Array<{ itemIdentifier: string }> }).batchItemFailures
}

describe("StreamBatch.kinesis", () => {
  it.effect("in order; the first failure stops the batch and its sequence number is reported", () =>
    Effect.gen(function*() {
      const seen = yield* Ref.make<Array<string>>([])
      const handler = StreamBatch.kinesis((record) => {
        const text = Buffer.from(StreamBatch.kinesisData(record)).toString()
        return Effect.zipRight(
          Ref.update(seen, (all) => [...all, text]),
          text === "c" ? Effect.die("boom") : Effect.void
        )
      })
      const event = EventBuilders.kinesisEvent(["a", "b", "c", "d", "e"])
      expect(failures(yield* LambdaTest.invoke(handler, event))).toEqual([
        { itemIdentifier: event.Records[2]!.kinesis.sequenceNumber }
      ])
      expect(yield* Ref.get(seen)).toEqual(["a", "b", "c"])
    }))

  it.effect("with `data`, a payload that does not decode is the failure", () =>
    Effect.gen(function*() {
      const sum = yield* Ref.make(0)
      const handler = StreamBatch.kinesis(
        (record) => Ref.update(sum, (n) => n + record.data.value),
        { data: Schema.parseJson(Schema.Struct({ value: Schema.Number })) }
      )
      const good = EventBuilders.kinesisEvent([`{"value":1}`, `{"value":2}`])
      expect(failures(yield* LambdaTest.invoke(handler, good))).toEqual([])
      const bad = EventBuilders.kinesisEvent([`{"value":4}`, "oops", `{"value":8}`])
      expect(failures(yield* LambdaTest.invoke(handler, bad))).toEqual([{
        itemIdentifier: bad.Records[1]!.kinesis.sequenceNumber
      }])
      expect(yield* Ref.get(sum)).toBe(7)
    }))
})

describe("StreamBatch.dynamoDb", () => {
  it.effect("reports the first failed record's sequence number", () =>
    Effect.gen(function*() {
      const handler = StreamBatch.dynamoDb((record) =>
        record.eventName === "REMOVE" ? Effect.fail("no removes") : Effect.void
      )
      const event = EventBuilders.dynamoDbStreamEvent([
        { keys: { id: { S: "1" } }, newImage: { id: { S: "1" } } },
        { keys: { id: { S: "2" } }, oldImage: { id: { S: "2" } } },
        { keys: { id: { S: "3" } }, oldImage: { id: { S: "3" } } }
      ])
      expect(failures(yield* LambdaTest.invoke(handler, event))).toEqual([
        { itemIdentifier: event.Records[1]!.dynamodb.SequenceNumber }
      ])
      const ok = EventBuilders.dynamoDbStreamEvent([{ keys: { id: { S: "1" } }, newImage: { id: { S: "1" } } }])
      expect(failures(yield* LambdaTest.invoke(handler, ok))).toEqual([])
    }))
})
