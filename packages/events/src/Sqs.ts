/**
 * Amazon SQS event source mapping: the batch of messages a function
 * receives, and the partial batch response it may return when the mapping
 * has `ReportBatchItemFailures` enabled.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Sqs } from "@effect-lambda/events"
 *
 * class Order extends Schema.Class<Order>("Order")({ id: Schema.String, total: Schema.Number }) {}
 *
 * // records whose body is JSON decoded to `Order`
 * const OrderEvent = Sqs.SqsEventWithBody(Schema.parseJson(Order))
 *
 * // the listed messages go back to the queue, the rest of the batch is deleted
 * const handle = (event: typeof OrderEvent.Type) =>
 *   Effect.succeed<Sqs.SqsBatchResponse>({
 *     batchItemFailures: event.Records
 *       .filter((record) => record.body.total < 0)
 *       .map((record) => ({ itemIdentifier: record.messageId }))
 *   })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BatchItemFailure, BatchResponse, optionalNullable, SafeRecord } from "./internal/common.js"

/**
 * System attributes of a message. All values are strings, timestamps
 * included (milliseconds since the epoch). The FIFO keys are only present
 * for FIFO queues, `AWSTraceHeader` only when the sender was traced.
 *
 * @since 0.1.0
 * @category models
 */
export const SqsRecordAttributes = Schema.Struct({
  ApproximateReceiveCount: Schema.String,
  SentTimestamp: Schema.String,
  SenderId: Schema.String,
  ApproximateFirstReceiveTimestamp: Schema.String,
  AWSTraceHeader: Schema.optional(Schema.String),
  SequenceNumber: Schema.optional(Schema.String),
  MessageGroupId: Schema.optional(Schema.String),
  MessageDeduplicationId: Schema.optional(Schema.String),
  // set on messages moved back from a dead-letter queue by a redrive
  DeadLetterQueueSourceArn: Schema.optional(Schema.String)
}).annotations({ identifier: "SqsRecordAttributes" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsRecordAttributes = typeof SqsRecordAttributes.Type

/**
 * A message attribute set by the sender. `dataType` is `String`, `Number`
 * or `Binary`, optionally followed by a custom suffix (`Number.float`);
 * binary values are base64.
 *
 * @since 0.1.0
 * @category models
 */
export const SqsMessageAttribute = Schema.Struct({
  stringValue: optionalNullable(Schema.String),
  binaryValue: optionalNullable(Schema.String),
  // reserved by SQS, always empty today, but Lambda sends them
  stringListValues: Schema.optional(Schema.Array(Schema.String)),
  binaryListValues: Schema.optional(Schema.Array(Schema.String)),
  dataType: Schema.String
}).annotations({ identifier: "SqsMessageAttribute" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsMessageAttribute = typeof SqsMessageAttribute.Type

/**
 * One message of the batch. `body` is the raw message body as sent.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SqsRecord = Schema.Struct({
  messageId: Schema.String,
  receiptHandle: Schema.String,
  body: Schema.String,
  attributes: SqsRecordAttributes,
  messageAttributes: SafeRecord(SqsMessageAttribute),
  md5OfBody: Schema.String,
  md5OfMessageAttributes: optionalNullable(Schema.String),
  eventSource: Schema.Literal("aws:sqs"),
  eventSourceARN: Schema.String,
  awsRegion: Schema.String
}).annotations({ identifier: "SqsRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsRecord = typeof SqsRecord.Type

/**
 * The event of an SQS event source mapping.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SqsEvent = Schema.Struct({
  Records: Schema.Array(SqsRecord)
}).annotations({ identifier: "SqsEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsEvent = typeof SqsEvent.Type

/**
 * An `SqsRecord` whose `body` goes through `body` (a schema from the raw
 * string, e.g. `Schema.parseJson(MyMessage)`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const SqsRecordWithBody = <A, R>(body: Schema.Schema<A, string, R>) =>
  Schema.Struct({ ...SqsRecord.fields, body })

/**
 * An `SqsEvent` whose record bodies go through `body`. A body that does not
 * decode fails the whole event; decode records one by one (with
 * `SqsRecordWithBody`) to report them as partial batch failures instead.
 *
 * @since 0.1.0
 * @category constructors
 */
export const SqsEventWithBody = <A, R>(body: Schema.Schema<A, string, R>) =>
  Schema.Struct({ Records: Schema.Array(SqsRecordWithBody(body)) })

/**
 * One failed message of a partial batch response: `itemIdentifier` is its
 * `messageId`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SqsBatchItemFailure = BatchItemFailure.annotations({ identifier: "SqsBatchItemFailure" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsBatchItemFailure = typeof SqsBatchItemFailure.Type

/**
 * The partial batch response: the listed messages return to the queue, the
 * others are deleted. An empty list means the whole batch succeeded. It is
 * only honoured when the mapping has `ReportBatchItemFailures` enabled.
 *
 * @since 0.1.0
 * @category schemas
 */
export const SqsBatchResponse = BatchResponse.annotations({ identifier: "SqsBatchResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type SqsBatchResponse = typeof SqsBatchResponse.Type
