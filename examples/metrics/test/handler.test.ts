import { Metrics } from "@effect-lambda/middleware"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler, metricsOptions } from "../src/handler.js"

describe("metrics example", () => {
  it.effect("each invocation writes its EMF records; the first adds ColdStart", () =>
    Effect.gen(function*() {
      const written: Array<string> = []
      const layer = Metrics.layer({ ...metricsOptions, write: (text) => written.push(text) })
      const { api } = yield* LambdaTest.start(handler, layer)
      const first = yield* api.report(yield* api.enqueue({ id: "o-1", amount: 42, payment: "card" }))
      expect(JSON.parse(first.body)).toStrictEqual({ accepted: "o-1" })
      yield* api.report(yield* api.enqueue({ id: "o-2", amount: 700, payment: "invoice" }))
      const records = written.map((text) => text.trim().split("\n").map((line) => JSON.parse(line)))
      expect(records).toHaveLength(2)
      const [coldStart, ...firstMetrics] = records[0]!
      expect(coldStart).toMatchObject({ ColdStart: 1, service: "orders" })
      expect(firstMetrics).toContainEqual(expect.objectContaining({ orders: 1, payment: "card", service: "orders" }))
      expect(firstMetrics).toContainEqual(expect.objectContaining({ order_amount: 50 }))
      expect(records[1]).toContainEqual(expect.objectContaining({ orders: 1, payment: "invoice" }))
      expect(records[1]).toContainEqual(expect.objectContaining({ order_amount: 1000 }))
      for (const record of records.flat()) expect(record._aws.CloudWatchMetrics[0].Namespace).toBe("shop")
    }).pipe(Effect.scoped))
})
