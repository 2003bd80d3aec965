// EMF metrics from Effect's own Metric values: a counter of orders by payment method (a tag,
// so a CloudWatch dimension), a histogram of order amounts, written once per invocation before
// the response is posted, by the flush `Metrics.layer` registers with the runtime (no wrapping).
import { Metrics } from "@effect-lambda/middleware"
import { Handler } from "@effect-lambda/runtime"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Schema from "effect/Schema"

export const Order = Schema.Struct({
  id: Schema.String,
  amount: Schema.Number,
  payment: Schema.Literal("card", "invoice")
})

const orders = Metric.counter("orders")
export const amounts = Metric.histogram("order_amount", MetricBoundaries.fromIterable([10, 50, 100, 500, 1000]))

export const handler = Handler.make({
  event: Order,
  handle: (order) =>
    Effect.gen(function*() {
      yield* Metric.increment(Metric.tagged(orders, "payment", order.payment))
      yield* Metric.update(amounts, order.amount)
      return { accepted: order.id }
    })
})

export const metricsOptions: Metrics.Options = { namespace: "shop", service: "orders", units: { order_amount: "None" } }

export const MetricsLive = Metrics.layer(metricsOptions)
