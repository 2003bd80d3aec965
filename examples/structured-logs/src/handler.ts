// Powertools-shaped JSON logs from Effect's own logging: `Effect.log*` calls become records with
// `cold_start`, `function_request_id`, `xray_trace_id`… plus the annotations and log spans of
// the call, and one invocation in ten logs at DEBUG. `StructuredLogger.layer` alone does it (no wrapping).
import { StructuredLogger } from "@effect-lambda/middleware"
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export const Payment = Schema.Struct({ orderId: Schema.String, amount: Schema.Number })

export const handler = Handler.make({
  event: Payment,
  handle: (payment) =>
    Effect.gen(function*() {
      yield* Effect.logDebug("payment received", { amount: payment.amount })
      if (payment.amount <= 0) {
        yield* Effect.logWarning("refused: not a positive amount")
        return { status: "refused" as const }
      }
      yield* Effect.log("payment accepted")
      return { status: "accepted" as const }
    }).pipe(Effect.annotateLogs({ orderId: payment.orderId }), Effect.withLogSpan("payment"))
})

export const loggerOptions: StructuredLogger.Options = { service: "payments", sampleRate: 0.1 }

export const LoggerLive = StructuredLogger.layer(loggerOptions)
