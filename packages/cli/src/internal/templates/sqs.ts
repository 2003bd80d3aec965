/** @internal */
import type { Template } from "./index.js"

/** @internal */
export const template: Template = {
  description: "an SQS consumer that reports partial batch failures",
  dependencies: ["@effect-lambda/middleware"],
  sampleEvent:
    `{"Records":[{"messageId":"m-1","receiptHandle":"h","body":"{\\"id\\":\\"o-1\\",\\"amount\\":10}","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"0","SenderId":"s","ApproximateFirstReceiveTimestamp":"0"},"messageAttributes":{},"md5OfBody":"0","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:queue","awsRegion":"us-east-1"}]}`,
  readme:
    "Set `FunctionResponseTypes: [ReportBatchItemFailures]` on the event source mapping: failed messages go back to the queue, the rest are deleted.\n",
  files: {
    "src/handler.ts": `/**
 * An SQS consumer: each message body is an order (JSON). A message that is not an order, or
 * whose processing fails, is reported in \`batchItemFailures\` and goes back to the queue.
 */
import { SqsBatch } from "@effect-lambda/middleware"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class Order extends Schema.Class<Order>("Order")({
  id: Schema.String,
  amount: Schema.Number
}) {}

export class OrderRejected extends Schema.TaggedError<OrderRejected>()("OrderRejected", {
  orderId: Schema.String
}) {}

export const processOrder = (order: Order) =>
  order.amount < 0
    ? Effect.fail(new OrderRejected({ orderId: order.id }))
    : Effect.logInfo(\`processed order \${order.id} (\${order.amount})\`)

export const handler = SqsBatch.partialFailures(
  (record) => processOrder(record.body),
  { body: Schema.parseJson(Order), concurrency: 5 }
)
`,
    "test/handler.test.ts": `import { EventBuilders, LambdaTest } from "@effect-lambda/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { handler } from "../src/handler.js"

const order = (id: string, amount = 10) => JSON.stringify({ id, amount })

describe("handler", () => {
  it.effect("a good batch: no failures", () =>
    Effect.gen(function*() {
      const result = yield* LambdaTest.invoke(handler, EventBuilders.sqsEvent([order("o-1"), order("o-2")]))
      expect(result._tag === "Response" && result.json).toEqual({ batchItemFailures: [] })
    }))

  it.effect("bad bodies and rejected orders are reported", () =>
    Effect.gen(function*() {
      const event = EventBuilders.sqsEvent([
        { messageId: "good", body: order("o-1") },
        { messageId: "not-json", body: "hello" },
        { messageId: "rejected", body: order("o-3", -1) }
      ])
      const result = yield* LambdaTest.invoke(handler, event, { env: { AWS_LAMBDA_LOG_LEVEL: "FATAL" } })
      expect(result._tag === "Response" && result.json).toEqual({
        batchItemFailures: [{ itemIdentifier: "not-json" }, { itemIdentifier: "rejected" }]
      })
    }))
})
`
  }
}
