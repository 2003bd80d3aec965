/**
 * An SQS consumer with partial batch failures: each message is an order (JSON); a message whose
 * body is not an order, or an order marked `"fail": true`, is reported in `batchItemFailures`
 * and goes back to the queue; the rest of the batch is deleted.
 */
import { SqsBatch } from "@effect-lambda/middleware"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class Order extends Schema.Class<Order>("Order")({
  id: Schema.String,
  amount: Schema.Number,
  fail: Schema.optional(Schema.Boolean)
}) {}

export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  orderId: Schema.String
}) {}

export const processOrder = (order: Order) =>
  order.fail === true
    ? Effect.fail(new OrderRejected({ orderId: order.id }))
    : Effect.logInfo(`processed order ${order.id} (${order.amount})`)

export const handler = SqsBatch.partialFailures(
  (record) => processOrder(record.body),
  { body: Schema.parseJson(Order), concurrency: 5 }
)
