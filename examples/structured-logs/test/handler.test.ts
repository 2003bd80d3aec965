import { StructuredLogger } from "@effect-lambda/middleware"
import { LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler, loggerOptions } from "../src/handler.js"

const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

describe("structured-logs example", () => {
  it.effect("Powertools keys, the order id annotation and the span; DEBUG only when sampled", () =>
    Effect.gen(function*() {
      const lines: Array<Record<string, any>> = []
      const draws = [0.5, 0.0]
      const layer = StructuredLogger.layer({
        ...loggerOptions,
        random: () => draws.shift() ?? 1,
        write: (line) => lines.push(JSON.parse(line))
      })
      const { api } = yield* LambdaTest.start(handler, layer, { env: { AWS_LAMBDA_LOG_LEVEL: "INFO" } })
      const first = yield* api.report(yield* api.enqueue({ orderId: "o-1", amount: 5 }, { traceId: TRACE }))
      expect(JSON.parse(first.body)).toStrictEqual({ status: "accepted" })
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({
        level: "INFO",
        message: "payment accepted",
        service: "payments",
        cold_start: true,
        function_name: "test_function",
        sampling_rate: 0.1,
        xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
        orderId: "o-1"
      })
      expect(typeof lines[0]!.payment).toBe("number")
      // the second invocation draws 0.0 <= 0.1: sampled, so its DEBUG line is logged too
      yield* api.report(yield* api.enqueue({ orderId: "o-2", amount: 0 }))
      expect(lines.slice(1).map((l) => [l.level, l.message, l.cold_start])).toStrictEqual([
        ["DEBUG", "payment received", false],
        ["WARN", "refused: not a positive amount", false]
      ])
      expect(lines[1]).toMatchObject({ amount: 0, orderId: "o-2" })
    }).pipe(Effect.scoped))
})
