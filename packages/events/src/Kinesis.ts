/**
 * Amazon Kinesis Data Streams event source mapping: the batch of records a
 * function receives and the partial batch response it may return when the
 * mapping has `ReportBatchItemFailures` enabled.
 *
 * `kinesis.data` stays the base64 string Lambda sends, so events re-encode
 * exactly; read it with `Buffer.from(record.kinesis.data, "base64")`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Kinesis } from "@effect-lambda/events"
 *
 * const handle = (event: Kinesis.KinesisStreamEvent) =>
 *   Effect.forEach(event.Records, (r) =>
 *     Effect.log(Buffer.from(r.kinesis.data, "base64").toString("utf8")), { discard: true })
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { BatchItemFailure, BatchResponse } from "./internal/common.js"

/**
 * The `kinesis` part of a record. `encryptionType` is only sent for
 * streams with server-side encryption (`"KMS"`).
 *
 * @since 0.1.0
 * @category models
 */
export const KinesisStreamRecordPayload = Schema.Struct({
  kinesisSchemaVersion: Schema.String,
  partitionKey: Schema.String,
  sequenceNumber: Schema.String,
  data: Schema.String,
  // seconds since the epoch, with milliseconds as decimals
  approximateArrivalTimestamp: Schema.Number,
  encryptionType: Schema.optional(Schema.String)
}).annotations({ identifier: "KinesisStreamRecordPayload" })

/**
 * @since 0.1.0
 * @category models
 */
export type KinesisStreamRecordPayload = typeof KinesisStreamRecordPayload.Type

/**
 * One record of the batch.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KinesisStreamRecord = Schema.Struct({
  kinesis: KinesisStreamRecordPayload,
  eventSource: Schema.Literal("aws:kinesis"),
  eventVersion: Schema.String,
  eventID: Schema.String,
  eventName: Schema.String,
  invokeIdentityArn: Schema.String,
  awsRegion: Schema.String,
  eventSourceARN: Schema.String
}).annotations({ identifier: "KinesisStreamRecord" })

/**
 * @since 0.1.0
 * @category models
 */
export type KinesisStreamRecord = typeof KinesisStreamRecord.Type

/**
 * The event of a Kinesis event source mapping.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KinesisStreamEvent = Schema.Struct({
  Records: Schema.Array(KinesisStreamRecord)
}).annotations({ identifier: "KinesisStreamEvent" })

/**
 * @since 0.1.0
 * @category models
 */
export type KinesisStreamEvent = typeof KinesisStreamEvent.Type

/**
 * One failed record of a partial batch response: `itemIdentifier` is its
 * `kinesis.sequenceNumber`. Lambda retries from the lowest failed
 * sequence number, so the records after it in the shard are sent again too.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KinesisBatchItemFailure = BatchItemFailure.annotations({ identifier: "KinesisBatchItemFailure" })

/**
 * @since 0.1.0
 * @category models
 */
export type KinesisBatchItemFailure = typeof KinesisBatchItemFailure.Type

/**
 * The partial batch response of a Kinesis function.
 *
 * @since 0.1.0
 * @category schemas
 */
export const KinesisStreamBatchResponse = BatchResponse.annotations({ identifier: "KinesisStreamBatchResponse" })

/**
 * @since 0.1.0
 * @category models
 */
export type KinesisStreamBatchResponse = typeof KinesisStreamBatchResponse.Type
